import { afterEach, describe, expect, it } from "vitest";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import { DEFAULT_RETRY } from "../../src/rancher/index.js";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const WORKER = "registry.example.com/shop/worker";
/** Has a health check (worker has none): its bad- images never get healthy, so drover rolls back. */
const FRONTEND = "registry.example.com/shop/frontend";

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface LaunchConfig {
  readonly imageUuid: string;
  readonly version: string;
}

/** Another client of the same Rancher (an operator, a script, another deploy tool). */
function actor(h: ManualHarness, name = "worker") {
  const id = h.sim.control.serviceId("shop", name);
  const authorization = `Basic ${Buffer.from(`${h.sim.accessKey}:${h.sim.secretKey}`).toString("base64")}`;
  const service = () => h.sim.control.service(id) as { state: string; launchConfig: LaunchConfig };
  /** POSTs an action; a scripted 503 (an outage the test injected) is simply tried again. */
  const post = async (action: string, body: unknown = {}): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(`${h.sim.url}/v2-beta/projects/1a5/services/${id}/?action=${action}`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      await response.text();
      if (response.status === 503 && attempt < 50) continue;
      expect(response.status).toBe(202);
      return;
    }
  };
  const until = (state: string) => h.sim.control.clock.advanceUntil(() => service().state === state);
  return {
    service,
    finish: async () => {
      await post("finishupgrade");
      await until("active");
    },
    rollback: async () => {
      await post("rollback");
      await until("active");
    },
    /** Upgrades with the whole current launch config and only the image changed, as a careful client does. */
    upgrade: async (image: string) => {
      await post("upgrade", {
        inServiceStrategy: {
          batchSize: 1,
          intervalMillis: 100,
          launchConfig: { ...service().launchConfig, imageUuid: `docker:${image}` },
          secondaryLaunchConfigs: [],
        },
      });
    },
  };
}

/** Steps time until the deployment reaches `state`. */
async function reach(h: ManualHarness, id: string, state: DeploymentState): Promise<void> {
  await h.time.runUntil(() => h.store.get(id)?.state === state);
}

function actions(h: ManualHarness): unknown[] {
  return h.sim.control
    .requests()
    .filter((request) => request.method === "POST")
    .map((request) => request.query["action"]);
}

const details = (h: ManualHarness, d: Deployment | undefined): string[] =>
  h.store.events(d?.id ?? "").map((event) => event.detail);

const longSoak = { verify: { soakMs: 20_000, timeoutMs: 120_000 } };

describe("drover never fights another actor", () => {
  it("records the launch config version its upgrade created and the one before it", async () => {
    harness = await createManualHarness();
    const h = harness;
    const before = actor(h).service().launchConfig.version;

    const [done] = await h.settle([h.submit(WORKER, "9.5.0", { service: "worker" }).id]);

    expect(done?.state).toBe("succeeded");
    expect(done?.previousVersion).toBe(before);
    expect(done?.upgradeVersion).toBe(actor(h).service().launchConfig.version);
    expect(done?.upgradeVersion).not.toBe(before);
  });

  it("another actor finishes drover's upgrade and upgrades to its own image while drover verifies: failed, changed outside, nothing posted", async () => {
    harness = await createManualHarness();
    const h = harness;
    const other = actor(h);
    const d = h.submit(
      WORKER,
      "9.5.0",
      { service: "worker" },
      { verify: { soakMs: 4_000, timeoutMs: 60_000 } },
    );
    await reach(h, d.id, "verifying");

    await other.finish();
    await other.upgrade(`${WORKER}:actor-9.9`);
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_TARGET_CHANGED");
    expect(done?.error?.message).toContain(`${WORKER}:actor-9.9 (upgrading`);
    expect(done?.error?.message).toContain(`launch config version ${other.service().launchConfig.version}`);
    // drover's own POST was the upgrade; the rest are the other actor's. No rollback, no finish.
    expect(actions(h)).toEqual(["upgrade", "finishupgrade", "upgrade"]);
    await h.sim.control.clock.advanceUntil(() => other.service().state === "upgraded");
    expect(other.service().launchConfig.imageUuid).toBe(`docker:${WORKER}:actor-9.9`);
    expect(details(h, done).join("\n")).not.toMatch(/rolling back/);
  });

  it("the same image upgraded again by another actor is a version drover did not create: failed, nothing posted", async () => {
    harness = await createManualHarness();
    const h = harness;
    const other = actor(h);
    const d = h.submit(WORKER, "9.5.0", { service: "worker" }, longSoak);
    await reach(h, d.id, "verifying");
    const droverVersion = h.store.get(d.id)?.upgradeVersion;

    await other.finish();
    await other.upgrade(`${WORKER}:9.5.0`);
    const [done] = await h.settle([d.id]);

    expect(droverVersion).toBeDefined();
    expect(other.service().launchConfig.version).not.toBe(droverVersion);
    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_TARGET_CHANGED");
    expect(actions(h)).toEqual(["upgrade", "finishupgrade", "upgrade"]);
  });

  it("another actor finishes drover's upgrade: the containers are verified, then succeeded (finished outside drover)", async () => {
    harness = await createManualHarness();
    const h = harness;
    const d = h.submit(WORKER, "9.5.0", { service: "worker" }, longSoak);
    await reach(h, d.id, "verifying");

    await actor(h).finish();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("succeeded");
    expect(details(h, done).at(-1)).toMatch(/^finished outside drover/);
    expect(details(h, done)).toContain("healthy for the whole soak (20000 ms)");
    expect(actions(h)).toEqual(["upgrade", "finishupgrade"]);
  });

  it("another actor rolls drover's upgrade back: rolled-back (rolled back outside drover), nothing posted", async () => {
    harness = await createManualHarness();
    const h = harness;
    const d = h.submit(WORKER, "9.5.0", { service: "worker" }, longSoak);
    await reach(h, d.id, "verifying");

    await actor(h).rollback();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("rolled-back");
    expect(done?.error).toEqual({ code: "ERR_TARGET_CHANGED", message: "rolled back outside drover" });
    expect(actions(h)).toEqual(["upgrade", "rollback"]);
    expect(actor(h).service().launchConfig.imageUuid).toBe(`docker:${WORKER}:1.0.0`);
  });

  it("another actor's image while drover waits for upgraded: failed without a rollback", async () => {
    harness = await createManualHarness();
    const h = harness;
    const other = actor(h);
    const d = h.submit(WORKER, "9.5.0", { service: "worker" });
    await reach(h, d.id, "upgrading");

    await other.rollback();
    await other.upgrade(`${WORKER}:actor-9.9`);
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_TARGET_CHANGED");
    expect(actions(h)).toEqual(["upgrade", "rollback", "upgrade"]);
  });

  it("a rollback drover is retrying stops when another actor's upgrade took over the target: failed, no rollback posted", async () => {
    harness = await createManualHarness();
    const h = harness;
    const other = actor(h, "frontend");
    // A bad- frontend never gets healthy: drover rolls back at the upgrade deadline. Rancher then
    // answers 503 for a while, so drover's first rollback attempt fails and it tries again later.
    h.engine.onTransition((deployment) => {
      if (deployment.state === "rolling-back")
        h.sim.control.faults.failNext(DEFAULT_RETRY.attempts + 3, { status: 503 });
    });
    const d = h.submit(FRONTEND, "bad-9.5.0", {}, { upgradeTimeoutMs: 20_000 });
    await h.time.runUntil(() =>
      details(h, h.store.get(d.id)).some((text) => text.startsWith("rollback not done yet")),
    );

    // Meanwhile another actor rolls back and upgrades the service to its own image.
    await other.rollback();
    await other.upgrade(`${FRONTEND}:actor-9.9`);
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_TARGET_CHANGED");
    expect(done?.error?.message).toContain(`${FRONTEND}:actor-9.9`);
    const accepted = h.sim.control
      .requests()
      .filter((request) => request.method === "POST" && request.status === 202)
      .map((request) => request.query["action"]);
    // drover's upgrade, then only the other actor's rollback and upgrade: drover's rollback never got through.
    expect(accepted).toEqual(["upgrade", "rollback", "upgrade"]);
    await h.sim.control.clock.advanceUntil(() => other.service().state === "upgraded");
    expect(other.service().launchConfig.imageUuid).toBe(`docker:${FRONTEND}:actor-9.9`);
  });

  it("a finish drover is retrying after an outage stops when another actor's upgrade took over: failed, no finish or rollback posted", async () => {
    harness = await createManualHarness();
    const h = harness;
    const other = actor(h);
    h.engine.onTransition((deployment) => {
      if (deployment.state === "finishing")
        h.sim.control.faults.failNext(DEFAULT_RETRY.attempts + 3, { status: 503 });
    });
    const d = h.submit(
      WORKER,
      "9.5.0",
      { service: "worker" },
      { verify: { soakMs: 1_000, timeoutMs: 60_000 } },
    );
    await h.time.runUntil(() =>
      details(h, h.store.get(d.id)).some((text) => text.startsWith("finishupgrade not accepted yet")),
    );

    await other.rollback();
    await other.upgrade(`${WORKER}:actor-9.9`);
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_TARGET_CHANGED");
    const accepted = h.sim.control
      .requests()
      .filter((request) => request.method === "POST" && request.status === 202)
      .map((request) => request.query["action"]);
    expect(accepted).toEqual(["upgrade", "rollback", "upgrade"]);
  });

  it("two drovers on one Rancher: the second waits for the first's upgrade instead of finishing or rolling it back", async () => {
    harness = await createManualHarness();
    const h = harness;
    const second = h.otherDrover();
    const first = h.submit(WORKER, "9.5.0", { service: "worker" }, longSoak);
    await reach(h, first.id, "verifying");

    const other = second.submit(WORKER, "9.6.0", { service: "worker" });
    await h.time.runUntil(() => h.store.get(first.id)?.state === "succeeded");
    await h.time.runUntil(() => second.store.get(other.id)?.state === "succeeded");

    const theirs = second.store.get(other.id);
    expect(h.store.get(first.id)?.state).toBe("succeeded");
    expect(theirs?.state).toBe("succeeded");
    expect(second.store.events(other.id).map((e) => e.detail)).toContainEqual(
      expect.stringMatching(
        /^service upgraded by an upgrade drover did not start: .*9\.5\.0.*; waiting for that actor/,
      ),
    );
    // Each drover finished only its own upgrade; nobody rolled anything back.
    expect(actions(h)).toEqual(["upgrade", "finishupgrade", "upgrade", "finishupgrade"]);
    expect(actor(h).service().launchConfig.imageUuid).toBe(`docker:${WORKER}:9.6.0`);
  });

  it("two drovers: one whose target another drover keeps upgraded past the deadline fails without touching it", async () => {
    harness = await createManualHarness();
    const h = harness;
    const second = h.otherDrover();
    const first = h.submit(
      WORKER,
      "9.5.0",
      { service: "worker" },
      { verify: { soakMs: 300_000, timeoutMs: 600_000 } },
    );
    await reach(h, first.id, "verifying");

    const other = second.submit(WORKER, "9.6.0", { service: "worker" }, { upgradeTimeoutMs: 30_000 });
    await h.time.runUntil(() => second.store.get(other.id)?.state === "failed");

    expect(second.store.get(other.id)?.error?.code).toBe("ERR_TARGET_CHANGED");
    expect(h.store.get(first.id)?.state).toBe("verifying");
    expect(actions(h)).toEqual(["upgrade"]);
  });
});
