import { afterEach, describe, expect, it } from "vitest";
import type { Deployment } from "../../src/domain/index.js";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const FRONTEND = "registry.example.com/shop/frontend";

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Transitions as `state@simulated-ms-since-queued`. */
function timeline(h: ManualHarness, deployment: Deployment): string[] {
  const events = h.store.events(deployment.id).filter((event) => event.kind === "transition");
  const start = Date.parse(events[0]?.at ?? "");
  return events.map((event) => `${event.state}@${String(Date.parse(event.at) - start)}`);
}

function at(h: ManualHarness, deployment: Deployment, state: string): number {
  const event = h.store.events(deployment.id).find((e) => e.kind === "transition" && e.state === state);
  if (event === undefined) throw new Error(`no ${state} transition`);
  return Date.parse(event.at);
}

describe("DeploymentEngine on the simulator's manual clock", () => {
  it("upgrades a good image on simulated time: upgrade, full soak, finish", async () => {
    harness = await createManualHarness();
    const h = harness;

    const [done] = await h.settle([h.submit(FRONTEND, "1.1.0").id]);

    expect(done?.state).toBe("succeeded");
    const service = h.service("shop", "frontend") as { state: string; launchConfig: { imageUuid: string } };
    expect(service.state).toBe("active");
    expect(service.launchConfig.imageUuid).toBe(`docker:${FRONTEND}:1.1.0`);
    const d = done as Deployment;
    // frontend (scale 2, batch 1): 2 × (0.5 s stop + 1.5 s pull + 0.5 s start + 4 s health) + 0.1 s interval.
    const upgradeMs = at(h, d, "verifying") - at(h, d, "upgrading");
    expect(upgradeMs).toBeGreaterThanOrEqual(13_100);
    expect(upgradeMs).toBeLessThanOrEqual(13_100 + 1_000);
    // The soak is simulated time too: at least soakMs between verifying and finishing.
    const soakMs = at(h, d, "finishing") - at(h, d, "verifying");
    expect(soakMs).toBeGreaterThanOrEqual(10_000);
    expect(soakMs).toBeLessThanOrEqual(10_000 + 1_000);
    expect(
      h.sim.control
        .requests()
        .filter((request) => request.method === "POST")
        .map((request) => request.query["action"]),
    ).toEqual(["upgrade", "finishupgrade"]);
  });

  it("is deterministic: the same run twice gives the same timeline", async () => {
    const runOnce = async (): Promise<string[]> => {
      const h = await createManualHarness();
      try {
        const [done] = await h.settle([h.submit(FRONTEND, "1.1.0").id]);
        return timeline(h, done as Deployment);
      } finally {
        await h.close();
      }
    };

    const first = await runOnce();
    const second = await runOnce();

    expect(first.map((entry) => entry.split("@")[0])).toEqual([
      "queued",
      "preparing",
      "upgrading",
      "verifying",
      "finishing",
      "succeeded",
    ]);
    expect(second).toEqual(first);
  });

  it("rolls back a bad- image exactly at the upgrade deadline", async () => {
    harness = await createManualHarness();
    const h = harness;

    const [done] = await h.settle([h.submit(FRONTEND, "bad-1.1.0", {}, { upgradeTimeoutMs: 30_000 }).id]);

    const d = done as Deployment;
    expect(d.state).toBe("rolled-back");
    expect(d.error?.code).toBe("ERR_UPGRADE_TIMEOUT");
    const waitedMs = at(h, d, "rolling-back") - at(h, d, "upgrading");
    expect(waitedMs).toBeGreaterThanOrEqual(30_000);
    expect(waitedMs).toBeLessThanOrEqual(30_000 + 1_000);
    const service = h.service("shop", "frontend") as { state: string; launchConfig: { imageUuid: string } };
    expect(service.state).toBe("active");
    expect(service.launchConfig.imageUuid).toBe(`docker:${FRONTEND}:1.0.0`);
    const running = h.sim.control
      .instances(h.sim.control.serviceId("shop", "frontend"))
      .filter(
        (instance) => instance["state"] === "running" && String(instance["imageUuid"]).includes("frontend"),
      );
    expect(running.map((instance) => instance["imageUuid"])).toEqual([
      `docker:${FRONTEND}:1.0.0`,
      `docker:${FRONTEND}:1.0.0`,
    ]);
    expect(
      h.sim.control
        .requests()
        .filter((request) => request.method === "POST")
        .map((request) => request.query["action"]),
    ).toEqual(["upgrade", "rollback"]);
  });
});

describe("verification notices new containers that Rancher restarted or replaced during the soak", () => {
  it("rolls back when a new container is removed and recreated by reconcile mid-soak", async () => {
    harness = await createManualHarness();
    const h = harness;
    const submitted = h.submit(FRONTEND, "1.1.0");
    await h.time.runUntil(() => h.store.get(submitted.id)?.state === "verifying");
    await h.time.runUntil(() =>
      h.store.events(submitted.id).some((event) => event.detail.startsWith("health: 2/2 healthy")),
    );
    const serviceId = h.sim.control.serviceId("shop", "frontend");
    const newer = h.sim.control
      .instances(serviceId)
      .find((c) => c["state"] === "running" && String(c["imageUuid"]).endsWith("frontend:1.1.0"));

    h.sim.control.removeContainer(String(newer?.["id"]));
    const [done] = await h.settle([submitted.id]);

    expect(done?.state).toBe("rolled-back");
    expect(done?.error?.code).toBe("ERR_UNHEALTHY");
    const service = h.service("shop", "frontend") as { state: string; launchConfig: { imageUuid: string } };
    expect(service.launchConfig.imageUuid).toBe(`docker:${FRONTEND}:1.0.0`);
  });

  it("rolls back a crash- image of the worker, which has no health check", async () => {
    harness = await createManualHarness();
    const h = harness;

    const [done] = await h.settle([
      h.submit("registry.example.com/shop/worker", "crash-1.1.0", { service: "worker" }).id,
    ]);

    expect(done?.state).toBe("rolled-back");
    expect(done?.error?.code).toBe("ERR_UNHEALTHY");
    expect(timeline(h, done as Deployment).map((entry) => entry.split("@")[0])).toEqual([
      "queued",
      "preparing",
      "upgrading",
      "verifying",
      "rolling-back",
      "rolled-back",
    ]);
  });
});
