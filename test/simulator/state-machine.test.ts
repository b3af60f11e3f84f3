import { describe, expect, it } from "vitest";
import type { SeedInput, ServiceState } from "../../src/simulator/index.js";
import { startSim, upgradeBody, type Json, type SimKit } from "./sim-test-kit.js";

/** docs/rancher-api.md §3.2, copied by hand: the process actions offered per state (link actions aside). */
const OFFERED: Readonly<Record<ServiceState, readonly string[]>> = {
  requested: ["create", "remove"],
  registering: ["remove"],
  inactive: ["activate", "update", "remove", "upgrade"],
  activating: ["update", "deactivate", "remove", "upgrade"],
  active: ["update", "deactivate", "remove", "upgrade", "restart"],
  "updating-active": ["update", "deactivate", "remove", "upgrade"],
  "updating-inactive": ["deactivate", "remove"],
  deactivating: ["remove"],
  restarting: ["activate", "deactivate", "remove"],
  upgrading: ["update", "remove", "cancelupgrade", "rollback"],
  upgraded: ["remove", "finishupgrade", "rollback"],
  "finishing-upgrade": ["update", "remove", "cancelupgrade"],
  "canceling-upgrade": ["update", "remove"],
  "canceled-upgrade": ["remove", "continueupgrade", "rollback"],
  "rolling-back": ["update", "remove"],
  removing: [],
  removed: [],
};

/** docs/rancher-api.md §3.1: the state an accepted action shows in its 202 reply. */
function expectedTransitioning(action: string, from: ServiceState): ServiceState {
  const table: Record<string, ServiceState> = {
    create: "registering",
    activate: "activating",
    deactivate: "deactivating",
    remove: "removing",
    upgrade: "upgrading",
    continueupgrade: "upgrading",
    cancelupgrade: "canceling-upgrade",
    rollback: "rolling-back",
    finishupgrade: "finishing-upgrade",
    restart: "restarting",
  };
  if (action === "update")
    return from === "active" ? "updating-active" : from === "inactive" ? "updating-inactive" : from;
  return table[action] ?? from;
}

const STATES = Object.keys(OFFERED) as ServiceState[];
const PROCESS_ACTIONS = [
  "create",
  "activate",
  "update",
  "deactivate",
  "remove",
  "upgrade",
  "continueupgrade",
  "cancelupgrade",
  "rollback",
  "finishupgrade",
  "restart",
];
const LINK_ACTIONS = ["addservicelink", "removeservicelink", "setservicelinks"];

/** One stack per action, one service per state in it, so each (state, action) pair gets a fresh service. */
function tableSeed(): SeedInput {
  return {
    projects: [
      {
        id: "1a5",
        name: "Default",
        stacks: PROCESS_ACTIONS.map((action) => ({
          name: `s-${action}`,
          services: STATES.map((state) => ({ name: state, scale: 1, image: "example/app:1" })),
        })),
      },
    ],
    keys: [{ accessKey: "k", secretKey: "s", project: "1a5" }],
  };
}

function bodyFor(action: string, service: Json): unknown {
  if (action === "upgrade") return upgradeBody(service, "example/app:2");
  if (action === "update") return { description: "changed" };
  return undefined;
}

async function table(kit: SimKit, version: "v1" | "v2-beta"): Promise<string[]> {
  const problems: string[] = [];
  const { control } = kit.sim;
  for (const action of PROCESS_ACTIONS) {
    for (const state of STATES) {
      const id = control.serviceId(`s-${action}`, state);
      control.forceServiceState(id, state);
      const path = `/${version}/projects/1a5/services/${id}/?action=${action}`;
      const service = kit.ctl.service(id);
      const expectedActions = [
        ...OFFERED[state],
        ...(state === "removing" || state === "removed" ? [] : LINK_ACTIONS),
      ];
      if (
        JSON.stringify(Object.keys(service.actions).sort()) !== JSON.stringify([...expectedActions].sort())
      ) {
        problems.push(`${state}: actions ${Object.keys(service.actions).join(",")}`);
      }
      const reply = await kit.post(path, bodyFor(action, service));
      const offered = OFFERED[state].includes(action);
      if (offered) {
        const want = expectedTransitioning(action, state);
        if (reply.status !== 202 || reply.body.state !== want) {
          problems.push(
            `${state} × ${action}: ${reply.status} ${String(reply.body.state)} (want 202 ${want})`,
          );
        }
      } else if (
        reply.status !== 422 ||
        reply.body.code !== "ActionNotAvailable" ||
        reply.body.fieldName !== "action"
      ) {
        problems.push(
          `${state} × ${action}: ${reply.status} ${String(reply.body.code)} (want 422 ActionNotAvailable)`,
        );
      }
    }
  }
  return problems;
}

describe("service state machine (docs/rancher-api.md §3.1–3.2)", () => {
  it("offers exactly the §3.2 actions in every state and answers every state × action pair (v2-beta)", async () => {
    const kit = await startSim({ seed: tableSeed() });

    const problems = await table(kit, "v2-beta");

    expect(problems).toEqual([]);
  });

  it("answers the same table under /v1", async () => {
    const kit = await startSim({ seed: tableSeed() });

    const problems = await table(kit, "v1");

    expect(problems).toEqual([]);
  });

  it("replies 202 already in the transitioning state with transitioning yes and In Progress", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "worker");

    const reply = await kit.action(id, "deactivate");

    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({
      state: "deactivating",
      transitioning: "yes",
      transitioningMessage: "In Progress",
    });
    expect(Object.keys(reply.body.actions)).toContain("remove");
    expect(Object.keys(reply.body.actions)).not.toContain("deactivate");
  });

  it("validates in Cattle's order: 404 bad id, InvalidAction, 404 missing, ActionNotAvailable before the body", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "frontend");
    kit.sim.control.forceServiceState(id, "upgraded");
    const base = "/v2-beta/projects/1a5/services";

    const badId = await kit.post(`${base}/web/?action=bogus`, {});
    const unknownAction = await kit.post(`${base}/1s999/?action=bogus`, {});
    const missing = await kit.post(`${base}/1s999/?action=upgrade`, {});
    const notAvailable = await kit.post(`${base}/${id}/?action=upgrade`, {
      inServiceStrategy: { batchSize: "x" },
    });
    const neverOffered = await kit.post(`${base}/${id}/?action=restore`, {});

    expect(badId.status).toBe(404);
    expect(unknownAction.body).toMatchObject({
      status: 422,
      code: "InvalidAction",
      fieldName: "action",
      message: null,
    });
    expect(missing.body).toMatchObject({ status: 404, code: "Not Found", message: "Not Found" });
    expect(notAvailable.body).toMatchObject({ status: 422, code: "ActionNotAvailable", fieldName: "action" });
    expect(neverOffered.body).toMatchObject({ status: 422, code: "ActionNotAvailable" });
  });

  it("answers 409 Conflict when a race is injected, without changing anything", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "worker");
    kit.sim.control.faults.failNext(1, "conflict");

    const raced = await kit.action(id, "deactivate");
    const retried = await kit.action(id, "deactivate");

    expect(raced.body).toMatchObject({ status: 409, code: "Conflict", message: "Conflict" });
    expect(raced.body).not.toHaveProperty("fieldName");
    expect(retried.status).toBe(202);
  });
});

describe("service processes run to their done states", () => {
  it("deactivates (containers stopped) and activates again (containers started)", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "frontend");

    await kit.action(id, "deactivate");
    await kit.until(id, (s) => s.state === "inactive");
    const stopped = (await kit.instances(id)).map((c) => c.state);
    await kit.action(id, "activate");
    await kit.until(id, (s) => s.state === "active");
    const started = (await kit.instances(id)).map((c) => c.state);

    expect(stopped).toEqual(["stopped", "stopped", "stopped", "stopped"]);
    expect(started).toEqual(["running", "running", "running", "running"]);
    expect((await kit.service(id)).transitioning).toBe("no");
  });

  it("restarts container by container (startCount 2, reinitializing → healthy) and ends active", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "frontend");
    const seen = new Set<string>();

    await kit.action(id, "restart", { rollingRestartStrategy: { batchSize: 1, intervalMillis: 1000 } });
    await kit.until(id, (s) => {
      for (const c of kit.ctl.instances(id)) seen.add(String(c.healthState));
      return s.state === "active";
    });
    const after = await kit.instances(id);

    expect(after.map((c) => c.startCount)).toEqual([2, 2, 2, 2]);
    expect(seen).toContain("reinitializing");
    expect(after.filter((c) => c.healthState === "healthy")).toHaveLength(2);
  });

  it("scales with update (PUT and action) through updating-active, currentScale following when done", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "worker");

    const put = await kit.request("PUT", `/v2-beta/projects/1a5/services/${id}`, { body: { scale: 3 } });
    const lagging = (await kit.service(id)).currentScale;
    await kit.until(id, (s) => s.state === "active");
    const done = await kit.service(id);

    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ state: "updating-active", scale: 3 });
    expect(lagging).toBe(1);
    expect(done.currentScale).toBe(3);
    expect((await kit.instances(id)).map((c) => c.name)).toEqual([
      "shop-worker-1",
      "shop-worker-2",
      "shop-worker-3",
    ]);
  });

  it("removes a service: removing → removed, containers removed, gone from lists, still readable by id", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "worker");

    const reply = await kit.request("DELETE", `/v2-beta/projects/1a5/services/${id}`);
    await kit.until(id, (s) => s.state === "removed");
    const list = await kit.get("/v2-beta/projects/1a5/services");
    const byId = await kit.service(id);

    expect(reply.body.state).toBe("removing");
    expect(list.body.data.map((s: Json) => s.name)).toEqual(["frontend"]);
    expect(byId).toMatchObject({ state: "removed", instanceIds: [], actions: {} });
    expect(byId.removed).toMatch(/Z$/);
  });

  it("creates a service with POST: 201 registering, then inactive, then active when startOnCreate", async () => {
    const kit = await startSim();
    const body = {
      name: "api",
      stackId: "1st1",
      scale: 2,
      startOnCreate: true,
      launchConfig: { imageUuid: "docker:shop/api:1" },
    };

    const created = await kit.post("/v2-beta/projects/1a5/services", body);
    const id = String(created.body.id);
    const states: string[] = [];
    await kit.until(id, (s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
      return s.state === "active";
    });

    expect(created.status).toBe(201);
    expect(created.body.state).toBe("registering");
    expect(states).toEqual(["registering", "activating", "active"]);
    expect(await kit.instances(id)).toHaveLength(2);
  });

  it("leaves a service created without startOnCreate inactive, with no containers", async () => {
    const kit = await startSim();
    const body = { name: "api", stackId: "1st1", launchConfig: { imageUuid: "docker:shop/api:1" } };

    const created = await kit.post("/v2-beta/projects/1a5/services", body);
    const id = String(created.body.id);
    await kit.until(id, (s) => s.state === "inactive");
    const duplicate = await kit.post("/v2-beta/projects/1a5/services", body);
    const badImage = await kit.post("/v2-beta/projects/1a5/services", {
      ...body,
      name: "x",
      launchConfig: { imageUuid: "shop/api:1" },
    });

    expect(await kit.instances(id)).toEqual([]);
    expect(Object.keys((await kit.service(id)).actions)).toContain("activate");
    expect(duplicate.body).toMatchObject({ status: 422, code: "NotUnique", fieldName: "name" });
    expect(badImage.body).toMatchObject({ status: 422, code: "InvalidReference", fieldName: "imageUuid" });
  });

  it("upgrades an inactive service to upgraded, and finishupgrade leaves it active ()", async () => {
    const kit = await startSim();
    const id = kit.sim.control.serviceId("shop", "worker");
    await kit.action(id, "deactivate");
    await kit.until(id, (s) => s.state === "inactive");

    const upgrade = await kit.action(
      id,
      "upgrade",
      upgradeBody(await kit.service(id), "registry.example.com/shop/worker:2"),
    );
    await kit.until(id, (s) => s.state === "upgraded");
    await kit.action(id, "finishupgrade");
    await kit.until(id, (s) => s.state === "active");
    const running = (await kit.instances(id)).filter((c) => c.state === "running");

    expect(upgrade.body.state).toBe("upgrading");
    expect(running.map((c) => c.imageUuid)).toEqual(["docker:registry.example.com/shop/worker:2"]);
  });
});
