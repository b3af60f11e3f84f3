import type { Deployment, DeploymentState } from "../../src/domain/index.js";

/** The previous image every recorded deployment here replaced. */
export const PREVIOUS_IMAGE = "registry.example.com/shop/frontend:1.0.0";

/** Overrides; an `undefined` value removes the field (nothing of it on record). */
export type DeploymentOverrides = { readonly [K in keyof Deployment]?: Deployment[K] | undefined };

/**
 * A deployment as the store returns it (frontend 2.0.0 over {@link PREVIOUS_IMAGE}), for the pure
 * decision tables (`judgeTarget`, `planRecovery`).
 */
export function recordedDeployment(state: DeploymentState, extra: DeploymentOverrides = {}): Deployment {
  const record: Record<string, unknown> = {
    id: "d_1",
    target: { environment: "demo", stack: "shop", service: "frontend" },
    targetKey: "demo/shop/frontend",
    image: "registry.example.com/shop/frontend",
    tag: "2.0.0",
    state,
    source: "ci",
    settings: {
      strategy: { batchSize: 1, intervalMillis: 2000, startFirst: false },
      upgradeTimeoutMs: 600_000,
      verify: { soakMs: 15_000, timeoutMs: 300_000 },
      onFailure: "rollback",
      onUpgradedLeftover: "finish",
    },
    previousImage: PREVIOUS_IMAGE,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
  for (const [key, value] of Object.entries(record)) if (value === undefined) delete record[key];
  return record as unknown as Deployment;
}
