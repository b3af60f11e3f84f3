import type { Config } from "../config/index.js";
import type { Deployment, ImagePush } from "../domain/index.js";
import { planDeployments } from "../routing/index.js";
import type { PushScope } from "../sources/index.js";
import type { DeploymentStore } from "../store/index.js";
import type { DeploymentEngine } from "./deployment-engine.js";

/** Same source, image, tag and digest within this window counts as a redelivery when there is no delivery id. */
export const DEDUPE_WINDOW_MS = 120_000;

export interface IngestDeps {
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly config: () => Config;
  readonly dedupeWindowMs?: number;
}

export interface IngestOutcome {
  readonly deployments: readonly Deployment[];
  /** Why nothing was created, when nothing was. */
  readonly ignored?: string;
  /** Every push had been received before. */
  readonly duplicate: boolean;
}

/**
 * Turns pushes into stored, queued deployments: each push is routed through the rules (and the
 * caller's scope), then its delivery and deployments are recorded in one transaction — a
 * redelivery returns the deployments made the first time instead of new ones.
 */
export function ingestPushes(
  deps: IngestDeps,
  pushes: readonly ImagePush[],
  scope: PushScope | undefined,
  reqId: string,
): IngestOutcome {
  const config = deps.config();
  const deployments: Deployment[] = [];
  const reasons = new Set<string>();
  let duplicate = pushes.length > 0;
  for (const push of pushes) {
    const plan = planDeployments(push, config, scope);
    if (plan.planned.length === 0) {
      reasons.add(plan.ignored ?? `no rule matches ${push.repository}:${push.tag}`);
      duplicate = false;
      continue;
    }
    const fingerprint =
      `${push.registryHost ?? "docker.io"}/${push.repository}:${push.tag}@${push.digest ?? ""}`.toLowerCase();
    const recorded = deps.store.recordDelivery(
      {
        source: push.source,
        ...(push.deliveryId === undefined ? {} : { deliveryId: push.deliveryId }),
        fingerprint,
        windowMs: deps.dedupeWindowMs ?? DEDUPE_WINDOW_MS,
      },
      plan.planned.map((planned) => ({
        target: planned.target,
        image: planned.image,
        tag: planned.tag,
        ...(planned.digest === undefined ? {} : { digest: planned.digest }),
        source: push.source,
        ...(push.deliveryId === undefined ? {} : { deliveryId: push.deliveryId }),
        reqId,
        settings: planned.settings,
        ...(push.callbackUrl === undefined ? {} : { callbackUrl: push.callbackUrl }),
      })),
    );
    if (!recorded.duplicate) {
      duplicate = false;
      deps.engine.enqueue(...recorded.deployments);
    }
    deployments.push(...recorded.deployments);
  }
  return deployments.length === 0
    ? { deployments, ignored: [...reasons].join("; "), duplicate }
    : { deployments, duplicate };
}
