import { formatImageReference, targetKey } from "../domain/index.js";
import type { OperationDeps } from "./operation-deps.js";

/** A target with the image its newest successful deployment put there and its newest deployment. */
export interface TargetSummary {
  readonly target: string;
  readonly currentImage?: string;
  readonly lastDeployment?: {
    readonly id: string;
    readonly state: string;
    readonly image: string;
    readonly updatedAt: string;
  };
}

/** Every target named by a rule, plus every target with recorded deployments, sorted by key. */
export function listTargets(deps: Pick<OperationDeps, "store" | "config">): TargetSummary[] {
  const { store } = deps;
  const keys = new Set<string>();
  for (const rule of deps.config().rules) {
    for (const { environment, stack, service } of rule.targets)
      keys.add(targetKey({ environment, stack, service }));
  }
  for (const key of store.targetKeys()) keys.add(key);
  return [...keys].sort().map((key) => {
    const last = store.list({ targetKey: key, limit: 1 }).items[0];
    const succeeded = store.latestSucceeded(key);
    return {
      target: key,
      ...(succeeded === undefined
        ? {}
        : { currentImage: formatImageReference(succeeded.image, succeeded.tag) }),
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
  });
}
