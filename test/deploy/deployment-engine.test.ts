import { afterEach, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./manual-harness.js";

const FRONTEND = "registry.example.com/shop/frontend";

let harness: EngineHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function launchImage(service: Record<string, unknown>): unknown {
  return (service["launchConfig"] as { imageUuid?: string }).imageUuid;
}

describe("DeploymentEngine against the simulator", () => {
  it("deploys a good image: succeeded, service active on it, old containers removed", async () => {
    harness = await createEngineHarness();

    const submitted = harness.submit(FRONTEND, "1.1.0");
    const done = await harness.settle(submitted.id);

    expect(done.state).toBe("succeeded");
    expect(done.previousImage).toBe(`${FRONTEND}:1.0.0`);
    const service = harness.service("shop", "frontend");
    expect(service["state"]).toBe("active");
    expect(launchImage(service)).toBe(`docker:${FRONTEND}:1.1.0`);
    const instances = harness.sim.control.instances(harness.sim.control.serviceId("shop", "frontend")) as {
      imageUuid: string;
      state: string;
    }[];
    const primary = instances.filter((instance) => instance.imageUuid.includes("shop/frontend"));
    expect(primary.length).toBe(2);
    expect(
      primary.every(
        (instance) => instance.imageUuid === `docker:${FRONTEND}:1.1.0` && instance.state === "running",
      ),
    ).toBe(true);
    const states = harness.store
      .events(done.id)
      .filter((event) => event.kind === "transition")
      .map((event) => event.state);
    expect(states).toEqual(["queued", "preparing", "upgrading", "verifying", "finishing", "succeeded"]);
    const posted = harness.sim.control
      .requests()
      .filter((request) => request.method === "POST")
      .map((request) => request.query["action"]);
    expect(posted).toEqual(["upgrade", "finishupgrade"]);
  });

  it("rolls back a bad- image that never becomes healthy", async () => {
    harness = await createEngineHarness();

    const done = await harness.settle(harness.submit(FRONTEND, "bad-1.1.0").id);

    expect(done.state).toBe("rolled-back");
    expect(done.error?.code).toMatch(/ERR_(UPGRADE_TIMEOUT|UNHEALTHY|VERIFY_TIMEOUT)/);
    const service = harness.service("shop", "frontend");
    expect(service["state"]).toBe("active");
    expect(launchImage(service)).toBe(`docker:${FRONTEND}:1.0.0`);
  });

  it("rolls back a nopull- image at the upgrade deadline", async () => {
    harness = await createEngineHarness();

    const done = await harness.settle(
      harness.submit(FRONTEND, "nopull-1.1.0", {}, { upgradeTimeoutMs: 1_500 }).id,
    );

    expect(done.state).toBe("rolled-back");
    expect(done.error?.code).toBe("ERR_UPGRADE_TIMEOUT");
    expect(
      harness.store.events(done.id).some((event) => event.detail.startsWith("Rancher reports an error")),
    ).toBe(true);
    expect(launchImage(harness.service("shop", "frontend"))).toBe(`docker:${FRONTEND}:1.0.0`);
  });

  it("catches a flaky- image during the soak and rolls back", async () => {
    harness = await createEngineHarness();

    const done = await harness.settle(
      harness.submit(
        FRONTEND,
        "flaky-1.1.0",
        {},
        {
          strategy: { batchSize: 2, intervalMillis: 100, startFirst: false },
          verify: { soakMs: 1_500, timeoutMs: 5_000 },
        },
      ).id,
    );

    expect(done.state).toBe("rolled-back");
    expect(done.error?.code).toBe("ERR_UNHEALTHY");
    expect(launchImage(harness.service("shop", "frontend"))).toBe(`docker:${FRONTEND}:1.0.0`);
  });

  it("upgrades only the named sidekick", async () => {
    harness = await createEngineHarness();

    const done = await harness.settle(harness.submit("nginx", "1.27", { sidekick: "nginx" }).id);

    expect(done.state).toBe("succeeded");
    const service = harness.service("shop", "frontend");
    expect(launchImage(service)).toBe(`docker:${FRONTEND}:1.0.0`);
    expect((service["secondaryLaunchConfigs"] as { imageUuid: string }[])[0]?.imageUuid).toBe(
      "docker:nginx:1.27",
    );
  });

  it("finishes a service left upgraded by an earlier upgrade before upgrading it", async () => {
    harness = await createEngineHarness();
    const first = await harness.settle(
      harness.submit(
        FRONTEND,
        "1.1.0",
        {},
        { onFailure: "leave", verify: { soakMs: 60_000, timeoutMs: 300 } },
      ).id,
    );
    expect(first.state).toBe("failed");
    expect(harness.service("shop", "frontend")["state"]).toBe("upgraded");

    const second = await harness.settle(harness.submit(FRONTEND, "1.2.0").id);

    expect(second.state).toBe("succeeded");
    expect(
      harness.store
        .events(second.id)
        .some((event) => event.detail.includes("left upgraded by an earlier upgrade")),
    ).toBe(true);
    expect(launchImage(harness.service("shop", "frontend"))).toBe(`docker:${FRONTEND}:1.2.0`);
  });

  it("supersedes the older queued push when two arrive while the target is busy", async () => {
    harness = await createEngineHarness();

    const running = harness.submit(FRONTEND, "1.1.0");
    const older = harness.submit(FRONTEND, "1.2.0");
    const newer = harness.submit(FRONTEND, "1.3.0");
    const [a, b, c] = await harness.settle([running.id, older.id, newer.id], 30_000);

    expect(a?.state).toBe("succeeded");
    expect(b?.state).toBe("superseded");
    expect(b?.supersededBy).toBe(newer.id);
    expect(c?.state).toBe("succeeded");
    expect(launchImage(harness.service("shop", "frontend"))).toBe(`docker:${FRONTEND}:1.3.0`);
  });

  it("cancels a queued deployment at once and a running one with a rollback", async () => {
    harness = await createEngineHarness();
    const running = harness.submit(FRONTEND, "slow-1.1.0");
    const queued = harness.submit(FRONTEND, "1.2.0");

    const canceledQueued = harness.engine.cancel(queued.id);
    const h = harness;
    await h.time.runUntil(() => h.store.get(running.id)?.state === "upgrading");
    harness.engine.cancel(running.id);
    const done = await harness.settle(running.id);

    expect(canceledQueued.state).toBe("canceled");
    expect(done.state).toBe("canceled");
    expect(launchImage(harness.service("shop", "frontend"))).toBe(`docker:${FRONTEND}:1.0.0`);
    expect(harness.service("shop", "frontend")["state"]).toBe("active");
  });

  it("ends every deployment correctly with 20% 5xx and connection resets", async () => {
    harness = await createEngineHarness();
    harness.sim.control.faults.set({ errorRate: 0.15, resetRate: 0.05, conflictRate: 0.05 });

    const good = harness.submit("registry.example.com/shop/worker", "1.1.0", { service: "worker" });
    const bad = harness.submit(FRONTEND, "bad-2.0.0");
    const [goodDone, badDone] = await harness.settle([good.id, bad.id], 40_000);
    harness.sim.control.faults.reset();

    expect(goodDone?.state).toBe("succeeded");
    expect(badDone?.state).toBe("rolled-back");
    expect(launchImage(harness.service("shop", "worker"))).toBe(
      "docker:registry.example.com/shop/worker:1.1.0",
    );
    expect(launchImage(harness.service("shop", "frontend"))).toBe(`docker:${FRONTEND}:1.0.0`);
    expect(
      harness.sim.control
        .requests()
        .some((request) => typeof request.status === "number" && request.status >= 500),
    ).toBe(true);
  }, 60_000);
});
