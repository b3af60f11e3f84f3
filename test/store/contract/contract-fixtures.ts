import type { DeploySettings } from "../../../src/domain/index.js";
import type { DeliveryKey, NewDeployment } from "../../../src/store/index.js";

/** Fresh settings for each call (no shared mutable fixtures). */
export function settings(): DeploySettings {
  return {
    strategy: { batchSize: 1, intervalMillis: 2000, startFirst: false },
    upgradeTimeoutMs: 600_000,
    verify: { soakMs: 15_000, timeoutMs: 300_000 },
    onFailure: "rollback",
    onUpgradedLeftover: "finish",
  };
}

/** A new deployment of `shop/frontend:1.0.0` to `production/shop/frontend`, with overrides. */
export function newDeployment(overrides: Partial<NewDeployment> = {}): NewDeployment {
  return {
    target: { environment: "production", stack: "shop", service: "frontend" },
    image: "registry.example.com/shop/frontend",
    tag: "1.0.0",
    source: "registry",
    settings: settings(),
    ...overrides,
  };
}

export function deliveryKey(overrides: Partial<DeliveryKey> = {}): DeliveryKey {
  return {
    source: "registry",
    deliveryId: "event-1",
    fingerprint: "shop/frontend:1.0.0@sha256:aaa",
    windowMs: 60_000,
    ...overrides,
  };
}

/** A clock the test moves by hand, starting at 2025-01-01T00:00:00.000Z. */
export function manualClock(startMs = Date.UTC(2025, 0, 1)) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms;
    },
    iso: () => new Date(nowMs).toISOString(),
  };
}

export type ManualClock = ReturnType<typeof manualClock>;
