import { resolveSettings } from "../deploy/index.js";
import {
  formatImageReference,
  parseImageReference,
  targetKey,
  type Deployment,
  type DeployTarget,
} from "../domain/index.js";
import { StoreConflictError, type DeploymentStore } from "../store/index.js";
import { ensureEnvironment } from "./checks.js";
import type { OperationDeps } from "./operation-deps.js";

interface ImageRef {
  /** Normalised name. */
  readonly name: string;
  readonly tag: string;
}

/**
 * Deploys the image a target ran before its newest successful deployment (of the primary launch
 * config): the newest older successful deployment with another image, else the image the newest
 * one replaced (its recorded `previousImage`). The new deployment's `parentId` is the newest one.
 *
 * @throws {UnknownEnvironmentError} for an environment the config does not define.
 * @throws {StoreConflictError} when no successful deployment, or no image before it, is recorded.
 */
export function rollBackTarget(
  deps: Pick<OperationDeps, "store" | "engine" | "config">,
  target: DeployTarget,
  reqId?: string,
): Deployment {
  ensureEnvironment(deps.config(), target);
  const key = targetKey(target);
  const history = primarySucceeded(deps.store, key);
  const current = history[0];
  if (current === undefined) throw new StoreConflictError(`no successful deployment of ${key} is recorded`);
  const currentImage = formatImageReference(current.image, current.tag);
  // Older successful deployments first (newest first), then the image the newest one replaced.
  const previous = [
    ...history.slice(1).map((d): ImageRef => ({ name: d.image, tag: d.tag })),
    ...[current.previousImage].map((text) => (text === undefined ? undefined : parseImageRef(text))),
  ].find(
    (ref): ref is ImageRef => ref !== undefined && formatImageReference(ref.name, ref.tag) !== currentImage,
  );
  if (previous === undefined)
    throw new StoreConflictError(`no image before ${currentImage} is recorded for ${key}`);
  return deps.engine.submit({
    target,
    image: previous.name,
    tag: previous.tag,
    source: "rollback",
    ...(reqId === undefined ? {} : { reqId }),
    settings: resolveSettings(deps.config(), target),
    parentId: current.id,
  });
}

/**
 * A recorded image (`previousImage`, as Rancher ran it: `nginx:1.25`, `host:5000/a/b`, `a/b:1@sha256:…`)
 * → normalised name and tag (`latest` when none; a digest is dropped); undefined if unusable.
 */
function parseImageRef(text: string): ImageRef | undefined {
  const parsed = parseImageReference(text.trim());
  return parsed.ok ? { name: parsed.value.name, tag: parsed.value.tag ?? "latest" } : undefined;
}

/** Succeeded deployments of the primary launch config, newest first. */
function primarySucceeded(store: DeploymentStore, key: string): Deployment[] {
  return store
    .list({ targetKey: key, states: ["succeeded"], limit: 200 })
    .items.filter((deployment) => deployment.target.sidekick === undefined)
    .sort((a, b) => (b.finishedAt ?? "").localeCompare(a.finishedAt ?? ""));
}
