import type { Config } from "../config/index.js";
import type { DeploymentEngine } from "../deploy/index.js";
import {
  formatImageReference,
  imageFingerprint,
  targetKey,
  targetName,
  type Deployment,
  type ImagePush,
} from "../domain/index.js";
import { OutOfScopeError } from "../errors/index.js";
import { planDeployments, type DeploymentPlan } from "../routing/index.js";
import type { DeploymentStore } from "../store/index.js";

/** Same source, image, tag and digest within this window counts as a redelivery when there is no delivery id. */
export const DEDUPE_WINDOW_MS = 120_000;

export interface IngestDeps {
  readonly store: DeploymentStore;
  readonly engine: Pick<DeploymentEngine, "enqueue">;
  readonly config: () => Config;
  readonly dedupeWindowMs?: number;
}

/** A parsed webhook delivery: its pushes, or why it has none. */
export interface IngestDelivery {
  readonly pushes: readonly ImagePush[];
  readonly ignored?: string;
}

/** The CI token's scope (undefined: the caller may deploy anything the rules allow). */
export type IngestScope = Parameters<typeof planDeployments>[2];

/** What a webhook answers: the deployments created or reused, or why nothing applies. */
export interface IngestResult {
  readonly deployments: readonly {
    readonly id: string;
    readonly state: string;
    /** `environment/stack/service[/sidekick]`. */
    readonly target: string;
    /** `name:tag`. */
    readonly image: string;
  }[];
  readonly ignored?: string;
  /** True when every push of the delivery had been received before (redelivery). */
  readonly duplicate?: boolean;
}

/**
 * Turns a delivery's pushes into stored, queued deployments: each push is routed through the
 * rules and the caller's scope, then its delivery and deployments are recorded in one transaction
 * — a redelivery returns the deployments made the first time instead of new ones.
 *
 * @throws {OutOfScopeError} when the scope excludes the image or any matching target of any push:
 * the whole delivery is refused and nothing is stored.
 */
export function ingestDelivery(
  deps: IngestDeps,
  delivery: IngestDelivery,
  scope: IngestScope,
  reqId: string,
): IngestResult {
  const { pushes } = delivery;
  if (pushes.length === 0) return { deployments: [], ignored: delivery.ignored ?? "nothing to deploy" };
  const config = deps.config();
  const plans = pushes.map((push) => ({ push, plan: planDeployments(push, config, scope) }));
  const refused = plans.map(({ plan }) => scopeRefusal(plan)).filter((why) => why !== undefined);
  if (refused.length > 0)
    throw new OutOfScopeError(`refused: ${[...new Set(refused)].join("; ")}`.slice(0, 500));
  const deployments: Deployment[] = [];
  const reasons = new Set<string>();
  let duplicate = true;
  for (const { push, plan } of plans) {
    if (plan.planned.length === 0) {
      reasons.add(plan.ignored ?? `no rule matches ${push.repository}:${push.tag}`);
      duplicate = false;
      continue;
    }
    const recorded = deps.store.recordDelivery(
      {
        source: push.source,
        ...(push.deliveryId === undefined ? {} : { deliveryId: push.deliveryId }),
        fingerprint: imageFingerprint(push),
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
  return {
    deployments: deployments.map((deployment) => ({
      id: deployment.id,
      state: deployment.state,
      target: targetName(deployment),
      image: formatImageReference(deployment.image, deployment.tag),
    })),
    ...(deployments.length === 0 ? { ignored: [...reasons].join("; ") } : {}),
    duplicate,
  };
}

/** Why the scope refuses a push's plan (its image, or targets the rules matched), if it does. */
function scopeRefusal(plan: DeploymentPlan): string | undefined {
  if (plan.outsideScope !== undefined && plan.outsideScope.length > 0) {
    const targets = plan.outsideScope.map((target) => targetName({ targetKey: targetKey(target), target }));
    return targets.length === 1
      ? `target ${targets.join("")} is outside the token's scope`
      : `targets ${targets.join(", ")} are outside the token's scope`;
  }
  if (plan.reason === "outside-token-scope") return plan.ignored ?? "outside the token's scope";
  return undefined;
}
