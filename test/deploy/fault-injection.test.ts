import { afterEach, describe, expect, it } from "vitest";
import type { FaultSettings } from "../../src/simulator/index.js";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const FRONTEND = "registry.example.com/shop/frontend";
const WORKER = "registry.example.com/shop/worker";
const SPEC_RATES: Partial<FaultSettings> = { errorRate: 0.2, resetRate: 0.05, conflictRate: 0.05 };
const HEAVY_RATES: Partial<FaultSettings> = { errorRate: 0.3, resetRate: 0.1, conflictRate: 0.15 };

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Accepted (202) POSTs of each action on a service, e.g. `{ upgrade: 1, finishupgrade: 1 }`. */
function accepted(h: ManualHarness, serviceId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of h.sim.control.requests()) {
    if (
      request.method !== "POST" ||
      request.status !== 202 ||
      !request.path.includes(`/services/${serviceId}/`)
    )
      continue;
    const action = String(request.query["action"]);
    counts[action] = (counts[action] ?? 0) + 1;
  }
  return counts;
}

function launch(h: ManualHarness, name: string): { state: string; image: string } {
  const service = h.service("shop", name) as { state: string; launchConfig: { imageUuid: string } };
  return { state: service.state, image: service.launchConfig.imageUuid };
}

describe("fault injection on the manual clock", () => {
  it.each([
    ["20% 5xx + 5% resets + 5% conflicts", 1, "bad-2.0.0", SPEC_RATES],
    ["20% 5xx + 5% resets + 5% conflicts", 2, "flaky-2.0.0", SPEC_RATES],
    ["20% 5xx + 5% resets + 5% conflicts", 3, "nopull-2.0.0", SPEC_RATES],
    ["20% 5xx + 5% resets + 5% conflicts", 33, "bad-2.0.0", SPEC_RATES],
    ["30% 5xx + 10% resets + 15% conflicts", 12, "flaky-2.0.0", HEAVY_RATES],
    ["30% 5xx + 10% resets + 15% conflicts", 24, "nopull-2.0.0", HEAVY_RATES],
    ["30% 5xx + 10% resets + 15% conflicts", 26, "bad-2.0.0", HEAVY_RATES],
  ] as const)(
    "%s (fault seed %i, %s): every deployment ends correctly, no action applied twice",
    async (_rates, faultSeed, badTag, faults) => {
      harness = await createManualHarness({ faults, faultSeed });
      const h = harness;

      const good = h.submit(WORKER, "1.1.0", { service: "worker" });
      const bad = h.submit(
        FRONTEND,
        badTag,
        {},
        {
          upgradeTimeoutMs: 30_000,
          strategy: { batchSize: 2, intervalMillis: 100, startFirst: false },
        },
      );
      const [goodDone, badDone] = await h.settle([good.id, bad.id]);
      h.sim.control.faults.reset();

      expect(goodDone?.state).toBe("succeeded");
      expect(badDone?.state).toBe("rolled-back");
      expect(launch(h, "worker")).toEqual({ state: "active", image: `docker:${WORKER}:1.1.0` });
      expect(launch(h, "frontend")).toEqual({ state: "active", image: `docker:${FRONTEND}:1.0.0` });
      expect(accepted(h, h.sim.control.serviceId("shop", "worker"))).toEqual({
        upgrade: 1,
        finishupgrade: 1,
      });
      expect(accepted(h, h.sim.control.serviceId("shop", "frontend"))).toEqual({ upgrade: 1, rollback: 1 });
      const statuses = h.sim.control.requests().map((request) => request.status);
      expect(statuses.some((status) => typeof status === "number" && status >= 500)).toBe(true);
      expect(statuses).toContain("reset");
    },
  );
});
