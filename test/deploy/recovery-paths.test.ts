import { afterEach, describe, expect, it } from "vitest";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import { createManualHarness, SIM_SETTINGS, type ManualHarness } from "./manual-harness.js";

const FRONTEND = "registry.example.com/shop/frontend";
const P = `${FRONTEND}:1.0.0`;

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Drives the simulated service through the real API, as drover (or someone else) would have. */
function rancher(h: ManualHarness): {
  id: string;
  post(action: string, body?: unknown): Promise<number>;
  upgrade(tag: string): Promise<void>;
  advanceUntil(predicate: (service: Record<string, unknown>) => boolean): Promise<void>;
} {
  const id = h.sim.control.serviceId("shop", "frontend");
  const authorization = `Basic ${Buffer.from(`${h.sim.accessKey}:${h.sim.secretKey}`).toString("base64")}`;
  const post = async (action: string, body: unknown = {}): Promise<number> => {
    const response = await fetch(`${h.sim.url}/v2-beta/projects/1a5/services/${id}/?action=${action}`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.text();
    return response.status;
  };
  return {
    id,
    post,
    upgrade: async (tag) => {
      const service = h.sim.control.service(id) as { launchConfig: object };
      const status = await post("upgrade", {
        inServiceStrategy: {
          batchSize: 2,
          intervalMillis: 100,
          launchConfig: { ...service.launchConfig, imageUuid: `docker:${FRONTEND}:${tag}` },
          secondaryLaunchConfigs: [],
        },
      });
      expect(status).toBe(202);
    },
    advanceUntil: async (predicate) => {
      await h.sim.control.clock.advanceUntil(() => predicate(h.sim.control.service(id)));
    },
  };
}

/** A deployment row as a crashed drover left it: intent N recorded, P recorded at preparing. */
function recorded(h: ManualHarness, state: DeploymentState, tag: string, pendingAction?: string): Deployment {
  const created = h.store.create({
    target: { environment: "demo", stack: "shop", service: "frontend" },
    image: FRONTEND,
    tag,
    source: "manual",
    settings: SIM_SETTINGS,
  });
  let d = h.store.transition({
    id: created.id,
    from: "queued",
    to: "preparing",
    detail: "preparing",
    patch: { previousImage: P, projectId: "1a5", serviceId: h.sim.control.serviceId("shop", "frontend") },
  });
  if (state !== "preparing")
    d = h.store.transition({
      id: d.id,
      from: "preparing",
      to: state,
      detail: `crashed while ${state}`,
      ...(pendingAction === undefined ? {} : { patch: { pendingAction } }),
    });
  return d;
}

function posts(h: ManualHarness): unknown[] {
  return h.sim.control
    .requests()
    .filter((request) => request.method === "POST")
    .map((request) => request.query["action"]);
}

function image(h: ManualHarness): { state: unknown; imageUuid: unknown } {
  const service = h.service("shop", "frontend") as { state: string; launchConfig: { imageUuid: string } };
  return { state: service.state, imageUuid: service.launchConfig.imageUuid };
}

const details = (h: ManualHarness, d: Deployment): string[] => h.store.events(d.id).map((e) => e.detail);

describe("recovery after a restart (the crash-recovery table: docs/reliability.md and `planRecovery`)", () => {
  it("finishing while Rancher is finishing-upgrade: waits for active, no new POST", async () => {
    harness = await createManualHarness();
    const h = harness;
    const sim = rancher(h);
    await sim.upgrade("2.0.0");
    await sim.advanceUntil((s) => s["state"] === "upgraded");
    expect(await sim.post("finishupgrade")).toBe(202);
    expect(h.sim.control.service(sim.id)["state"]).toBe("finishing-upgrade");
    const d = recorded(h, "finishing", "2.0.0", "finishupgrade");
    h.sim.control.clearRequests();

    await h.engine.recover();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("succeeded");
    expect(details(h, d)).toContain(
      "resumed after restart: finish in progress in Rancher; waiting for active",
    );
    expect(posts(h)).toEqual([]);
    expect(image(h)).toEqual({ state: "active", imageUuid: `docker:${FRONTEND}:2.0.0` });
  });

  it("upgrading while the service is already active on N and healthy: succeeded, finished before restart", async () => {
    harness = await createManualHarness();
    const h = harness;
    const sim = rancher(h);
    await sim.upgrade("2.0.0");
    await sim.advanceUntil((s) => s["state"] === "upgraded");
    await sim.post("finishupgrade");
    await sim.advanceUntil((s) => s["state"] === "active");
    const d = recorded(h, "upgrading", "2.0.0");
    h.sim.control.clearRequests();

    await h.engine.recover();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("succeeded");
    expect(done?.pendingAction).toBeUndefined();
    expect(details(h, d).at(-1)).toMatch(
      /^after restart: service active on the new image and healthy .*finished before restart$/,
    );
    expect(posts(h)).toEqual([]);
  });

  it("a service now running a third image: failed, changed outside drover, never touched", async () => {
    harness = await createManualHarness();
    const h = harness;
    const sim = rancher(h);
    await sim.upgrade("3.0.0");
    await sim.advanceUntil((s) => s["state"] === "upgraded");
    await sim.post("finishupgrade");
    await sim.advanceUntil((s) => s["state"] === "active");
    const d = recorded(h, "verifying", "2.0.0");
    h.sim.control.clearRequests();

    await h.engine.recover();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_TARGET_CHANGED");
    expect(done?.error?.message).toMatch(/target changed outside drover/);
    expect(posts(h)).toEqual([]);
    expect(image(h)).toEqual({ state: "active", imageUuid: `docker:${FRONTEND}:3.0.0` });
  });

  it("active on N but unhealthy: failed, and a new rollback deployment brings back P", async () => {
    harness = await createManualHarness();
    const h = harness;
    const sim = rancher(h);
    await sim.upgrade("flaky-2.0.0");
    await sim.advanceUntil((s) => s["state"] === "upgraded");
    await sim.post("finishupgrade");
    await sim.advanceUntil((s) => s["state"] === "active");
    await h.sim.control.clock.advanceUntil(() =>
      h.sim.control
        .instances(sim.id)
        .some((c) => String(c["imageUuid"]).endsWith("flaky-2.0.0") && c["healthState"] === "unhealthy"),
    );
    const d = recorded(h, "verifying", "flaky-2.0.0");
    h.sim.control.clearRequests();

    await h.engine.recover();
    const failed = h.store.get(d.id);
    const rollback = h.store
      .list({ targetKey: d.targetKey, limit: 10 })
      .items.find((x) => x.parentId === d.id);

    expect(failed?.state).toBe("failed");
    expect(failed?.error?.code).toBe("ERR_UNHEALTHY");
    expect(rollback).toMatchObject({ image: FRONTEND, tag: "1.0.0", source: "recovery" });
    const [done] = await h.settle([rollback?.id ?? ""]);
    expect(done?.state).toBe("succeeded");
    expect(image(h)).toEqual({ state: "active", imageUuid: `docker:${P}` });
  });

  it("upgrading and still stuck in Rancher: waits only for what is left of the upgrade deadline", async () => {
    harness = await createManualHarness();
    const h = harness;
    const sim = rancher(h);
    const d = recorded(h, "upgrading", "nopull-2.0.0");
    await sim.upgrade("nopull-2.0.0");
    // drover was down for 50 s of the 60 s upgrade deadline.
    await h.sim.control.clock.advance(50_000);
    expect(h.sim.control.service(sim.id)["state"]).toBe("upgrading");
    h.sim.control.clearRequests();

    await h.engine.recover();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("rolled-back");
    expect(done?.error?.code).toBe("ERR_UPGRADE_TIMEOUT");
    const events = h.store.events(d.id);
    const upgradingAt = Date.parse(events.find((e) => e.state === "upgrading")?.at ?? "");
    const rollingBackAt = Date.parse(events.find((e) => e.state === "rolling-back")?.at ?? "");
    expect(rollingBackAt - upgradingAt).toBeGreaterThanOrEqual(SIM_SETTINGS.upgradeTimeoutMs);
    expect(rollingBackAt - upgradingAt).toBeLessThanOrEqual(SIM_SETTINGS.upgradeTimeoutMs + 1_000);
    expect(posts(h)).toEqual(["rollback"]);
    expect(image(h)).toEqual({ state: "active", imageUuid: `docker:${P}` });
  });

  it("counts what is left of the upgrade deadline from the upgrading transition, not from a later note", async () => {
    harness = await createManualHarness();
    const h = harness;
    const sim = rancher(h);
    const d = recorded(h, "upgrading", "nopull-2.0.0");
    await sim.upgrade("nopull-2.0.0");
    await h.sim.control.clock.advance(40_000);
    // A note written late in the outage moves updatedAt; it must not extend the deadline.
    h.store.annotate(d.id, "note", "Rancher reports an error (not terminal before the deadline)");
    await h.sim.control.clock.advance(10_000);

    await h.engine.recover();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("rolled-back");
    const events = h.store.events(d.id);
    const upgradingAt = Date.parse(events.find((e) => e.state === "upgrading")?.at ?? "");
    const rollingBackAt = Date.parse(events.find((e) => e.state === "rolling-back")?.at ?? "");
    expect(rollingBackAt - upgradingAt).toBeLessThanOrEqual(SIM_SETTINGS.upgradeTimeoutMs + 1_000);
  });

  it("rolling-back while Rancher still shows upgraded on N: posts rollback again", async () => {
    harness = await createManualHarness();
    const h = harness;
    const sim = rancher(h);
    await sim.upgrade("2.0.0");
    await sim.advanceUntil((s) => s["state"] === "upgraded");
    const d = recorded(h, "rolling-back", "2.0.0", "rollback");
    h.sim.control.clearRequests();

    await h.engine.recover();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("rolled-back");
    expect(posts(h)).toEqual(["rollback"]);
    expect(image(h)).toEqual({ state: "active", imageUuid: `docker:${P}` });
  });
});
