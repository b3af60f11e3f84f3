import { monitoredTargets, type MonitoredTarget } from "../deploy/index.js";
import { formatImageReference, type RancherView } from "../domain/index.js";
import type { OperationDeps } from "./operation-deps.js";

/**
 * A target: what Rancher runs for it now (`rancher`, from the target monitor — never guessed from
 * the store) and what drover last did to it (from the store).
 */
export interface TargetView {
  /** `environment/stack/service`, lower-cased (the key deployments are grouped by). */
  readonly target: string;
  /** Names as the rule (or the newest deployment) writes them. */
  readonly environment: string;
  readonly stack: string;
  readonly service: string;
  /** The sidekick whose launch config `rancher` shows, when the target is one. */
  readonly sidekick?: string;
  readonly rancher: RancherView;
  /** `rancher.image` while Rancher's view is known; absent otherwise (never the store's image). */
  readonly currentImage?: string;
  /** `image:tag` of the newest succeeded deployment in the store. */
  readonly lastDeployedImage?: string;
  readonly lastDeployment?: {
    readonly id: string;
    readonly state: string;
    readonly image: string;
    readonly updatedAt: string;
  };
}

export type TargetViewDeps = Pick<OperationDeps, "store" | "config" | "targets">;

/** Every target named by a rule, plus every target with recorded deployments, sorted by key. */
export function listTargets(deps: TargetViewDeps): TargetView[] {
  return monitoredTargets(deps.config(), deps.store).map((target) => presentTarget(deps, target));
}

/** One target by key (case-insensitive), or undefined when neither a rule nor a deployment names it. */
export function showTarget(deps: TargetViewDeps, key: string): TargetView | undefined {
  const wanted = key.toLowerCase();
  const target = monitoredTargets(deps.config(), deps.store).find((item) => item.key === wanted);
  return target === undefined ? undefined : presentTarget(deps, target);
}

function presentTarget(deps: TargetViewDeps, target: MonitoredTarget): TargetView {
  const { store } = deps;
  const { key } = target;
  const rancher = deps.targets.view(key);
  const last = store.list({ targetKey: key, limit: 1 }).items[0];
  const succeeded = store.latestSucceeded(key);
  return {
    target: key,
    environment: target.environment,
    stack: target.stack,
    service: target.service,
    ...(target.sidekick === undefined ? {} : { sidekick: target.sidekick }),
    rancher,
    ...(rancher.status === "known" ? { currentImage: rancher.image } : {}),
    ...(succeeded === undefined
      ? {}
      : { lastDeployedImage: formatImageReference(succeeded.image, succeeded.tag) }),
    ...(last === undefined
      ? {}
      : {
          lastDeployment: {
            id: last.id,
            state: last.state,
            image: formatImageReference(last.image, last.tag),
            updatedAt: last.updatedAt,
          },
        }),
  };
}
