import { describe, expect, it } from "vitest";
import type { SeedInput } from "../../src/simulator/index.js";
import { startSim, summary, upgradeBody, type SimKit } from "./sim-test-kit.js";

const FRONTEND = "1s1";
const image = (tag: string): string => `registry.example.com/shop/frontend:${tag}`;

async function upgradeTo(kit: SimKit, tag: string, strategy: Record<string, unknown> = {}): Promise<void> {
  const reply = await kit.action(
    FRONTEND,
    "upgrade",
    upgradeBody(await kit.service(FRONTEND), image(tag), strategy),
  );
  expect(reply.status).toBe(202);
}

async function rollBackToHealthy(kit: SimKit): Promise<void> {
  const reply = await kit.action(FRONTEND, "rollback");
  expect(reply.status).toBe(202);
  await kit.until(FRONTEND, (s) => s.state === "active" && s.healthState === "healthy");
  expect(summary(await kit.instances(FRONTEND))).toEqual([
    "running/healthy@1.0.0",
    "running/healthy@1.0.0",
    "running/null@1.25",
    "running/null@1.25",
  ]);
}

describe("scripted image tags (rancher-api.md)", () => {
  it("bad-: the health wait times out (transitioning error), retries, and the container is replaced after initializingTimeout", async () => {
    const kit = await startSim();
    await upgradeTo(kit, "bad-1");

    await kit.sim.control.clock.advance(45_499);
    const beforeTimeout = await kit.service(FRONTEND);
    await kit.sim.control.clock.advance(1);
    const timedOut = await kit.service(FRONTEND);
    await kit.sim.control.clock.advance(15_000);
    const retrying = await kit.service(FRONTEND);
    await kit.sim.control.clock.advance(2_700);
    const replaced = kit.ctl.container("1i6");
    const replacement = kit.ctl.container("1i7");

    expect(beforeTimeout).toMatchObject({ state: "upgrading", transitioning: "yes" });
    expect(timedOut).toMatchObject({
      state: "upgrading",
      transitioning: "error",
      transitioningMessage: "Waiting: healthy [container:1i6]",
    });
    expect(retrying).toMatchObject({
      state: "upgrading",
      transitioning: "yes",
      transitioningMessage: "In Progress",
    });
    expect(replaced).toMatchObject({ state: "removed", healthState: "initializing" });
    expect(replacement).toMatchObject({ imageUuid: `docker:${image("bad-1")}`, name: "shop-frontend-1" });
    await rollBackToHealthy(kit);
  });

  it("nopull-: the pull fails, the service stays upgrading with Cattle's error text and keeps retrying", async () => {
    const kit = await startSim();
    await upgradeTo(kit, "nopull-7");

    await kit.sim.control.clock.advance(2_000);
    const failed = await kit.service(FRONTEND);
    const container = kit.ctl.container("1i6");
    await kit.sim.control.clock.advance(15_000);
    const retried = await kit.service(FRONTEND);
    await kit.sim.control.clock.advance(60_000);
    const later = await kit.service(FRONTEND);

    expect(container).toMatchObject({ state: "error", transitioning: "error" });
    expect(failed).toMatchObject({
      state: "upgrading",
      transitioning: "error",
      transitioningMessage:
        "Failed to start instance [container:1i6]: Bad instance [container:1i6] in state [error]: " +
        "Error response from daemon: manifest for registry.example.com/shop/frontend:nopull-7 not found",
    });
    expect(retried).toMatchObject({ state: "upgrading", transitioning: "yes" });
    expect(later).toMatchObject({ state: "upgrading", transitioning: "error" });
    expect(kit.ctl.container("1i6").state).toBe("removed");
    await rollBackToHealthy(kit);
  });

  it("flaky-: healthy long enough to reach upgraded, unhealthy 3 s later, then recreated", async () => {
    const kit = await startSim();
    await upgradeTo(kit, "flaky-1", { batchSize: 2 });

    const elapsed = await kit.until(FRONTEND, (s) => s.state === "upgraded");
    const atUpgraded = await kit.service(FRONTEND);
    await kit.sim.control.clock.advance(3_000);
    const flapped = await kit.service(FRONTEND);
    const unhealthy = (await kit.instances(FRONTEND))
      .filter((c) => c.healthState === "unhealthy")
      .map((c) => c.id);
    await kit.sim.control.clock.advance(2_700);

    expect(elapsed).toBe(6_500);
    expect(atUpgraded.healthState).toBe("healthy");
    expect(unhealthy).toEqual(["1i6", "1i7"]);
    expect(flapped.healthState).toBe("degraded");
    expect(kit.ctl.container("1i6").state).toBe("removed");
    expect(
      (await kit.instances(FRONTEND)).filter((c) => c.imageUuid.includes("flaky") && c.state !== "removed"),
    ).toHaveLength(2);
  });

  it("flaky-: finishupgrade waits in finishing-upgrade while a new container is unhealthy", async () => {
    const kit = await startSim();
    await upgradeTo(kit, "flaky-1", { batchSize: 2 });
    await kit.until(FRONTEND, (s) => s.state === "upgraded");
    await kit.sim.control.clock.advance(3_000);

    await kit.action(FRONTEND, "finishupgrade");
    await kit.sim.control.clock.advance(5_000);
    const held = await kit.service(FRONTEND);
    const elapsed = await kit.until(FRONTEND, (s) => s.state === "active");

    expect(held.state).toBe("finishing-upgrade");
    expect(elapsed).toBeGreaterThan(0);
  });

  it("slow-: pull and start take ten times longer", async () => {
    const kit = await startSim();
    await upgradeTo(kit, "slow-1", { batchSize: 2 });

    const elapsed = await kit.until(FRONTEND, (s) => s.state === "upgraded");

    expect(elapsed).toBe(500 + 15_000 + 5_000 + 4_000);
  });
});

describe("other scripted failures", () => {
  const portSeed: SeedInput = {
    projects: [
      {
        id: "1a5",
        name: "Default",
        stacks: [
          {
            name: "s",
            services: [{ name: "api", image: "x/api:1", launchConfig: { ports: ["8080:80/tcp"] } }],
          },
        ],
      },
    ],
    keys: [{ accessKey: "k", secretKey: "s", project: "1a5" }],
  };

  it("startFirst with a fixed host port cannot be scheduled: allocation error while the old container runs", async () => {
    const kit = await startSim({ seed: portSeed });
    const service = await kit.service("1s1");

    await kit.action("1s1", "upgrade", upgradeBody(service, "x/api:2", { startFirst: true }));
    await kit.sim.control.clock.advance(1_000);
    const stuck = await kit.service("1s1");

    expect(stuck).toMatchObject({
      state: "upgrading",
      transitioning: "error",
      transitioningMessage:
        "Failed to allocate instance [container:1i2]: Bad instance [container:1i2] in state [error]: Scheduling failed: host needs ports 8080/tcp available",
    });
    expect(kit.ctl.container("1i1").state).toBe("running");
  });

  it("the same upgrade with startFirst false goes through", async () => {
    const kit = await startSim({ seed: portSeed });

    await kit.action(
      "1s1",
      "upgrade",
      upgradeBody(await kit.service("1s1"), "x/api:2", { startFirst: false }),
    );
    await kit.until("1s1", (s) => s.state === "upgraded");

    expect(summary(await kit.instances("1s1"))).toEqual(["running/null@2", "stopped/null@1"]);
  });

  it("applies behaviours per service (control) and per tag (seed), newest rule first", async () => {
    const seed: SeedInput = {
      projects: [
        {
          id: "1a5",
          name: "Default",
          stacks: [
            { name: "shop", services: [{ name: "web", image: "x/web:1", healthCheck: { port: 80 } }] },
          ],
        },
      ],
      keys: [{ accessKey: "k", secretKey: "s", project: "1a5" }],
      behaviours: [{ tagPrefix: "crash-", neverHealthy: true }],
    };
    const kit = await startSim({ seed });
    kit.sim.control.behaviours.add({ service: "shop/web", pullFails: true });
    const service = await kit.service("1s1");

    await kit.action("1s1", "upgrade", upgradeBody(service, "x/web:2"));
    await kit.sim.control.clock.advance(2_000);
    const pullFailed = await kit.service("1s1");
    await kit.action("1s1", "rollback");
    await kit.until("1s1", (s) => s.state === "active");
    kit.sim.control.behaviours.clear();
    await kit.action("1s1", "upgrade", upgradeBody(await kit.service("1s1"), "x/web:crash-1"));
    await kit.sim.control.clock.advance(45_500);
    const neverHealthy = await kit.service("1s1");

    expect(pullFailed.transitioningMessage).toMatch(/manifest for x\/web:2 not found/);
    expect(neverHealthy).toMatchObject({
      transitioning: "error",
      transitioningMessage: "Waiting: healthy [container:1i3]",
    });
    expect(kit.sim.control.behaviours.rules().slice(0, 2)).toEqual([
      { tagPrefix: "crash-", neverHealthy: true },
      { tagPrefix: "bad-", neverHealthy: true },
    ]);
  });

  it("restarts a managed container that stopped (crash) while the service is active", async () => {
    const kit = await startSim();

    kit.sim.control.stopContainer("1i5");
    await kit.sim.control.clock.advance(500);
    const stopped = kit.ctl.container("1i5").state;
    await kit.until("1s2", () => kit.ctl.container("1i5").state === "running");

    expect(stopped).toBe("starting");
    expect(kit.ctl.container("1i5").startCount).toBe(2);
  });
});

/** The distinct `state/healthState/startCount` steps of a container, sampled every 100 ms for `forMs`. */
async function containerSteps(kit: SimKit, id: string, forMs: number): Promise<string[]> {
  const steps: string[] = [];
  for (let elapsed = 0; elapsed <= forMs; elapsed += 100) {
    const c = kit.ctl.container(id);
    const step = `${String(c.state)}/${String(c.healthState)}/${String(c.startCount)}`;
    if (steps.at(-1) !== step) steps.push(step);
    if (elapsed < forMs) await kit.sim.control.clock.advance(100);
  }
  return steps;
}

describe("crash-: a container that keeps exiting (crash loop)", () => {
  const WORKER = "1s2";
  const workerImage = (tag: string): string => `registry.example.com/shop/worker:${tag}`;

  it("without a health check: the upgrade ends upgraded, then the container exits every 2 s and reconcile starts it again", async () => {
    const kit = await startSim();
    const reply = await kit.action(
      WORKER,
      "upgrade",
      upgradeBody(await kit.service(WORKER), workerImage("crash-1")),
    );
    expect(reply.status).toBe(202);

    const elapsed = await kit.until(WORKER, (s) => s.state === "upgraded");
    const first = kit.ctl.container("1i6");
    const steps = await containerSteps(kit, "1i6", 6_000);
    const later = kit.ctl.container("1i6");
    const service = await kit.service(WORKER);

    expect(elapsed).toBe(2_500);
    expect(first).toMatchObject({ state: "running", healthState: null, startCount: 1 });
    expect(steps).toEqual([
      "running/null/1",
      "stopping/null/1",
      "starting/null/2",
      "running/null/2",
      "stopping/null/2",
      "starting/null/3",
      "running/null/3",
    ]);
    expect(later.firstRunningTS).toBe(first.firstRunningTS);
    expect(later.createdTS).toBe(first.createdTS);
    expect(later.id).toBe("1i6");
    expect(service).toMatchObject({ state: "upgraded", transitioning: "no", instanceIds: ["1i5", "1i6"] });

    await kit.sim.control.clock.advance(2_000);
    const down = await kit.service(WORKER);
    expect(down).toMatchObject({ state: "upgraded", healthState: "unhealthy" });
    expect(kit.ctl.container("1i6").state).toBe("stopping");

    expect((await kit.action(WORKER, "rollback")).status).toBe(202);
    await kit.until(WORKER, (s) => s.state === "active" && s.healthState === "healthy");
    expect(summary(await kit.instances(WORKER))).toEqual(["running/null@1.0.0"]);
  });

  it("with a health check: each start is initializing again, so the upgrade's health wait times out and retries", async () => {
    const kit = await startSim();
    await upgradeTo(kit, "crash-1");
    const created = await kit.sim.control.clock.advanceUntil(() =>
      kit.ctl.instances(FRONTEND).some((c) => c.id === "1i6"),
    );

    const steps = await containerSteps(kit, "1i6", 9_000);
    await kit.sim.control.clock.advance(45_000 - 9_000);
    const stuck = await kit.service(FRONTEND);
    const container = kit.ctl.container("1i6");

    expect(created).toBe(500);
    expect(steps).toEqual([
      "creating/null/0",
      "starting/null/1",
      "running/initializing/1",
      "stopping/initializing/1",
      "starting/initializing/2",
      "running/initializing/2",
      "stopping/initializing/2",
      "starting/initializing/3",
      "running/initializing/3",
    ]);
    expect(stuck).toMatchObject({
      state: "upgrading",
      transitioning: "error",
      transitioningMessage: "Waiting: healthy [container:1i6]",
    });
    expect(container.startCount).toBeGreaterThan(10);
    expect(container.healthState).toBe("initializing");
    await rollBackToHealthy(kit);
  });
});
