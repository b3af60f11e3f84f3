import { afterEach, describe, expect, it } from "vitest";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import { StoreConflictError } from "../../src/store/index.js";
import { createManualHarness, SIM_SETTINGS, type ManualHarness } from "./manual-harness.js";

const FRONTEND = "registry.example.com/shop/frontend";
const P = `${FRONTEND}:1.0.0`;
const RETRY_MSG = "recovery could not read Rancher; trying again later";
const CANCEL_NOTE =
  "cancel requested by an operator; recovery is waiting for Rancher and will roll back if the upgrade had started";

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Upgrades the simulated frontend through the real API (as a drover that then crashed would have). */
async function upgradeInRancher(h: ManualHarness, tag: string, finish = false): Promise<void> {
  const id = h.sim.control.serviceId("shop", "frontend");
  const authorization = `Basic ${Buffer.from(`${h.sim.accessKey}:${h.sim.secretKey}`).toString("base64")}`;
  const post = async (action: string, body: unknown): Promise<void> => {
    const response = await fetch(`${h.sim.url}/v2-beta/projects/1a5/services/${id}/?action=${action}`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.text();
    expect(response.status).toBe(202);
  };
  const service = h.sim.control.service(id) as { launchConfig: object };
  await post("upgrade", {
    inServiceStrategy: {
      batchSize: 2,
      intervalMillis: 100,
      launchConfig: { ...service.launchConfig, imageUuid: `docker:${FRONTEND}:${tag}` },
      secondaryLaunchConfigs: [],
    },
  });
  await h.sim.control.clock.advanceUntil(() => h.sim.control.service(id)["state"] === "upgraded");
  if (!finish) return;
  await post("finishupgrade", {});
  await h.sim.control.clock.advanceUntil(() => h.sim.control.service(id)["state"] === "active");
}

/** A deployment row as a crashed drover left it: intent N, P recorded at preparing. */
function recorded(h: ManualHarness, state: DeploymentState, tag: string): Deployment {
  const created = h.store.create({
    target: { environment: "demo", stack: "shop", service: "frontend" },
    image: FRONTEND,
    tag,
    source: "manual",
    settings: SIM_SETTINGS,
  });
  const d = h.store.transition({
    id: created.id,
    from: "queued",
    to: "preparing",
    detail: "preparing",
    patch: { previousImage: P, projectId: "1a5", serviceId: h.sim.control.serviceId("shop", "frontend") },
  });
  if (state === "preparing") return d;
  return h.store.transition({ id: d.id, from: "preparing", to: state, detail: `crashed while ${state}` });
}

/** Start-up recovery while Rancher answers nothing: every deployment's recovery stays pending. */
async function recoverWhileRancherDown(h: ManualHarness): Promise<void> {
  h.sim.control.faults.set({ errorRate: 1 });
  await h.time.drain(h.engine.recover());
}

const details = (h: ManualHarness, id: string): string[] => h.store.events(id).map((e) => e.detail);
const posts = (h: ManualHarness): unknown[] =>
  h.sim.control
    .requests()
    .filter((request) => request.method === "POST")
    .map((request) => request.query["action"]);
const serviceNow = (h: ManualHarness): { state: unknown; imageUuid: unknown } => {
  const service = h.service("shop", "frontend") as { state: string; launchConfig: { imageUuid: string } };
  return { state: service.state, imageUuid: service.launchConfig.imageUuid };
};
/** Lets simulated time pass (the engine's recovery back-off included) without waiting for anything. */
const letTimePass = async (h: ManualHarness, ms: number): Promise<void> => {
  await expect(h.time.runUntil(() => false, { maxSimMs: ms })).rejects.toThrow(/not reached/);
};

describe("cancel of a deployment whose start-up recovery is pending", () => {
  it("is only marked while Rancher is down; once Rancher answers, recovery rolls back and it ends canceled", async () => {
    harness = await createManualHarness();
    const h = harness;
    await upgradeInRancher(h, "2.0.0");
    const d = recorded(h, "verifying", "2.0.0");
    h.sim.control.clearRequests();
    await recoverWhileRancherDown(h);

    const answered = h.engine.cancel(d.id);
    const again = h.engine.cancel(d.id);
    await letTimePass(h, 5_000);
    const stillPending = h.store.get(d.id);
    h.sim.control.faults.reset();
    const [done] = await h.settle([d.id], 120_000);
    const eventsAtEnd = h.store.events(d.id).length;
    await letTimePass(h, 120_000);

    expect(answered.state).toBe("verifying");
    expect(again.state).toBe("verifying");
    expect(stillPending?.state).toBe("verifying");
    expect(done?.state).toBe("canceled");
    expect(done?.error).toEqual({ code: "ERR_CANCELED", message: "canceled by an operator" });
    expect(details(h, d.id)).toEqual([
      "queued",
      "preparing",
      "crashed while verifying",
      CANCEL_NOTE,
      "resumed after restart: service upgraded; verifying from the start of the soak",
      "rolling back: canceled by an operator",
      "rollback accepted",
      `rolled back; service active on ${P}`,
    ]);
    expect(h.store.events(d.id).length).toBe(eventsAtEnd);
    expect(posts(h)).toEqual(["rollback"]);
    expect(serviceNow(h)).toEqual({ state: "active", imageUuid: `docker:${P}` });
    expect(
      h.logs.lines().filter((line) => line["msg"] === RETRY_MSG && line["deploymentId"] === d.id).length,
    ).toBeGreaterThanOrEqual(1);
    expect(h.engine.stats()).toEqual({ queued: 0, inFlight: 0 });
  }, 60_000);

  it("ends canceled without touching the service when the upgrade was never accepted", async () => {
    harness = await createManualHarness();
    const h = harness;
    const d = recorded(h, "preparing", "2.0.0");
    h.sim.control.clearRequests();
    await recoverWhileRancherDown(h);

    expect(h.engine.cancel(d.id).state).toBe("preparing");
    h.sim.control.faults.reset();
    const [done] = await h.settle([d.id], 120_000);

    expect(done?.state).toBe("canceled");
    expect(done?.error?.code).toBe("ERR_CANCELED");
    expect(details(h, d.id).at(-1)).toBe("canceled before any change to the service");
    expect(posts(h)).toEqual([]);
    expect(serviceNow(h)).toEqual({ state: "active", imageUuid: `docker:${P}` });
  }, 60_000);

  it("a deployment past queued that this engine does not run is refused (409), not canceled 'while queued'", async () => {
    harness = await createManualHarness();
    const h = harness;
    const d = recorded(h, "verifying", "2.0.0");

    expect(() => h.engine.cancel(d.id)).toThrow(StoreConflictError);
    expect(() => h.engine.cancel(d.id)).toThrow(
      `deployment ${d.id} is verifying but not run by this drover process; it cannot be canceled now`,
    );
    expect(h.store.get(d.id)?.state).toBe("verifying");
  });
});

describe("one deployment per target while a recovery is pending", () => {
  it("a new push waits queued until recovery has decided, then runs after the recovered deployment", async () => {
    harness = await createManualHarness();
    const h = harness;
    await upgradeInRancher(h, "2.0.0");
    const d = recorded(h, "verifying", "2.0.0");
    await recoverWhileRancherDown(h);

    const fresh = h.submit(FRONTEND, "3.0.0");
    await letTimePass(h, 5_000);
    const whilePending = [h.store.get(d.id)?.state, h.store.get(fresh.id)?.state, h.engine.stats()];
    h.sim.control.faults.reset();
    const [recovered, next] = await h.settle([d.id, fresh.id], 600_000);

    expect(whilePending).toEqual(["verifying", "queued", { queued: 1, inFlight: 0 }]);
    expect(recovered?.state).toBe("succeeded");
    expect(details(h, d.id).join("\n")).not.toMatch(/changed outside drover/);
    expect(details(h, d.id)[3]).toBe(
      "resumed after restart: service upgraded; verifying from the start of the soak",
    );
    expect(next?.state).toBe("succeeded");
    expect(next?.supersededBy).toBeUndefined();
    expect(next?.previousImage).toBe(`${FRONTEND}:2.0.0`);
    expect(Date.parse(next?.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(recovered?.finishedAt ?? ""));
    expect(serviceNow(h)).toEqual({ state: "active", imageUuid: `docker:${FRONTEND}:3.0.0` });
  }, 60_000);

  it("recovery re-reads the deployment: one that ended meanwhile is left alone and its target freed", async () => {
    harness = await createManualHarness();
    const h = harness;
    const d = recorded(h, "verifying", "2.0.0");
    await recoverWhileRancherDown(h);
    const fresh = h.submit(FRONTEND, "3.0.0");
    h.store.transition({ id: d.id, from: "verifying", to: "failed", detail: "failed by another process" });
    h.sim.control.faults.reset();

    const [next] = await h.settle([fresh.id], 600_000);
    await letTimePass(h, 120_000);

    expect(details(h, d.id)).toEqual([
      "queued",
      "preparing",
      "crashed while verifying",
      "failed by another process",
    ]);
    expect(h.store.get(d.id)?.state).toBe("failed");
    expect(next?.state).toBe("succeeded");
    expect(serviceNow(h)).toEqual({ state: "active", imageUuid: `docker:${FRONTEND}:3.0.0` });
  }, 60_000);

  it("the rollback deployment recovery starts runs first and does not supersede a push queued meanwhile", async () => {
    harness = await createManualHarness();
    const h = harness;
    const serviceId = h.sim.control.serviceId("shop", "frontend");
    await upgradeInRancher(h, "flaky-2.0.0", true);
    await h.sim.control.clock.advanceUntil(() =>
      h.sim.control
        .instances(serviceId)
        .some((c) => String(c["imageUuid"]).endsWith("flaky-2.0.0") && c["healthState"] === "unhealthy"),
    );
    const d = recorded(h, "verifying", "flaky-2.0.0");
    await recoverWhileRancherDown(h);
    const fresh = h.submit(FRONTEND, "3.0.0");
    h.sim.control.faults.reset();

    await h.time.runUntil(() => h.store.get(d.id)?.state === "failed", { maxSimMs: 120_000 });
    const rollback = h.store
      .list({ targetKey: d.targetKey, limit: 10 })
      .items.find((x) => x.parentId === d.id);
    const [rolledBack, next] = await h.settle([rollback?.id ?? "", fresh.id], 600_000);

    expect(h.store.get(d.id)?.error?.code).toBe("ERR_UNHEALTHY");
    expect(rollback).toMatchObject({ image: FRONTEND, tag: "1.0.0", source: "recovery" });
    expect(rolledBack?.state).toBe("succeeded");
    expect(next?.state).toBe("succeeded");
    expect(next?.supersededBy).toBeUndefined();
    expect(next?.previousImage).toBe(P);
    expect(Date.parse(next?.startedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(rolledBack?.finishedAt ?? ""),
    );
    expect(serviceNow(h)).toEqual({ state: "active", imageUuid: `docker:${FRONTEND}:3.0.0` });
  }, 60_000);
});

describe("recovery of a same-image redeploy killed before its upgrade POST", () => {
  it("prepares again and really redeploys instead of recording succeeded", async () => {
    harness = await createManualHarness();
    const h = harness;
    const created = h.store.create({
      target: { environment: "demo", stack: "shop", service: "frontend" },
      image: FRONTEND,
      tag: "1.0.0",
      source: "manual",
      settings: SIM_SETTINGS,
    });
    const d = h.store.transition({
      id: created.id,
      from: "queued",
      to: "preparing",
      detail: "preparing",
      patch: { projectId: "1a5", serviceId: h.sim.control.serviceId("shop", "frontend") },
    });
    h.store.annotate(d.id, "action", "about to POST upgrade", { pendingAction: "upgrade", previousImage: P });
    h.sim.control.clearRequests();

    await h.engine.recover();
    const [done] = await h.settle([d.id]);

    expect(details(h, d.id)[3]).toBe(
      "resumed after restart: same-image redeploy: the service active on that image does not show the upgrade was posted; preparing again",
    );
    expect(done?.state).toBe("succeeded");
    expect(posts(h)).toEqual(["upgrade", "finishupgrade"]);
    expect(serviceNow(h)).toEqual({ state: "active", imageUuid: `docker:${P}` });
  }, 60_000);
});
