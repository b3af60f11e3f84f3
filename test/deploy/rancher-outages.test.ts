import { afterEach, describe, expect, it } from "vitest";
import type { DeploymentState } from "../../src/domain/index.js";
import { DEFAULT_RETRY } from "../../src/rancher/index.js";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const FRONTEND = "registry.example.com/shop/frontend";
const WORKER = "registry.example.com/shop/worker";
/** More failures in a row than one call's whole retry budget: the phase itself must wait them out. */
const OUTAGE = DEFAULT_RETRY.attempts + 3;

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Makes the next OUTAGE API requests fail with 503 once the deployment enters `state`. */
function outageWhen(h: ManualHarness, state: DeploymentState): void {
  let done = false;
  h.engine.onTransition((deployment) => {
    if (deployment.state !== state || done) return;
    done = true;
    h.sim.control.faults.failNext(OUTAGE, { status: 503 });
  });
}

function details(h: ManualHarness, id: string | undefined): string[] {
  return h.store.events(id ?? "").map((event) => event.detail);
}

function launch(h: ManualHarness, name: string): { state: string; image: string } {
  const service = h.service("shop", name) as { state: string; launchConfig: { imageUuid: string } };
  return { state: service.state, image: service.launchConfig.imageUuid };
}

describe("a Rancher outage longer than one call's retries", () => {
  it("while preparing: waits it out (nothing was changed yet) and deploys", async () => {
    harness = await createManualHarness();
    const h = harness;
    // The pool's own first look (for the event stream) absorbs one retry budget, the run the rest.
    h.sim.control.faults.failNext(2 * OUTAGE, { status: 503 });

    const [done] = await h.settle([h.submit(WORKER, "2.0.0", { service: "worker" }).id]);

    expect(done?.state).toBe("succeeded");
    expect(details(h, done?.id).some((d) => d.startsWith("Rancher unavailable while preparing"))).toBe(true);
    expect(launch(h, "worker")).toEqual({ state: "active", image: `docker:${WORKER}:2.0.0` });
  });

  it("while finishing: keeps trying finishupgrade (reading the state first) instead of rolling back", async () => {
    harness = await createManualHarness();
    const h = harness;
    outageWhen(h, "finishing");

    const [done] = await h.settle([h.submit(WORKER, "2.0.0", { service: "worker" }).id]);

    expect(done?.state).toBe("succeeded");
    expect(details(h, done?.id).some((d) => d.startsWith("finishupgrade not accepted yet"))).toBe(true);
    expect(launch(h, "worker")).toEqual({ state: "active", image: `docker:${WORKER}:2.0.0` });
    const finishes = h.sim.control
      .requests()
      .filter((r) => r.method === "POST" && r.query["action"] === "finishupgrade")
      .map((r) => r.status);
    expect(finishes.filter((status) => status === 202)).toHaveLength(1);
  });

  it("while rolling back: keeps trying until the service is back on the previous image", async () => {
    harness = await createManualHarness();
    const h = harness;
    outageWhen(h, "rolling-back");

    const [done] = await h.settle([h.submit(FRONTEND, "bad-2.0.0", {}, { upgradeTimeoutMs: 20_000 }).id]);

    expect(done?.state).toBe("rolled-back");
    expect(details(h, done?.id).some((d) => d.startsWith("rollback not done yet"))).toBe(true);
    expect(launch(h, "frontend")).toEqual({ state: "active", image: `docker:${FRONTEND}:1.0.0` });
  });

  it("until the deadline while rolling back: fails, saying why", async () => {
    harness = await createManualHarness();
    const h = harness;
    h.engine.onTransition((deployment) => {
      if (deployment.state === "rolling-back") h.sim.control.faults.set({ errorRate: 1 });
    });

    const [done] = await h.settle([h.submit(FRONTEND, "bad-2.0.0", {}, { upgradeTimeoutMs: 20_000 }).id]);
    h.sim.control.faults.reset();

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_ROLLBACK_FAILED");
    expect(details(h, done?.id).at(-1)).toMatch(/^could not reach a safe state: Rancher answered 5\d\d/);
    const events = h.store.events(done?.id ?? "");
    const rollingBack = Date.parse(events.find((e) => e.state === "rolling-back")?.at ?? "");
    expect(Date.parse(events.at(-1)?.at ?? "") - rollingBack).toBeGreaterThanOrEqual(20_000);
  });
});
