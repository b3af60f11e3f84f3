import { describe, expect, it } from "vitest";
import type { SeedInput } from "../../src/simulator/index.js";
import { startSim, summary, upgradeBody, type Json, type SimKit } from "./sim-test-kit.js";

const FRONTEND = "1s1";
const NEW_IMAGE = "registry.example.com/shop/frontend:1.1.0";

/** Advances until `id` is in `state`, noting every instance event as `t=<ms> <container> <state>`. */
async function watch(kit: SimKit, id: string, done: (service: Json) => boolean): Promise<string[]> {
  const start = kit.sim.control.clock.now();
  const last = new Map<string, string>();
  const events: string[] = [];
  await kit.until(id, (service) => {
    for (const c of kit.ctl.instances(id)) {
      const text = `${String(c.state)}:${String(c.healthState)}`;
      if (last.get(c.id) !== text) {
        events.push(`t=${String(kit.sim.control.clock.now() - start)} ${String(c.id)} ${text}`);
        last.set(c.id, text);
      }
    }
    return done(service);
  });
  return events;
}

const at = (events: readonly string[], pattern: RegExp): number => {
  const line = events.find((event) => pattern.test(event));
  if (line === undefined) throw new Error(`no event ${String(pattern)} in\n${events.join("\n")}`);
  return Number(/t=(\d+)/.exec(line)?.[1]);
};

describe("upgrade request (docs/rancher-api.md §4.1–4.2)", () => {
  it("replaces the launch config without merging and stamps a new version", async () => {
    const kit = await startSim();

    const reply = await kit.action(FRONTEND, "upgrade", {
      inServiceStrategy: { launchConfig: { imageUuid: `docker:${NEW_IMAGE}`, version: "mine" } },
    });
    await kit.until(FRONTEND, (s) => s.state === "upgraded");
    const running = (await kit.instances(FRONTEND)).filter(
      (c) => c.state === "running" && c.imageUuid.endsWith("1.1.0"),
    );

    expect(reply.body.launchConfig.imageUuid).toBe(`docker:${NEW_IMAGE}`);
    expect(reply.body.launchConfig).not.toHaveProperty("healthCheck");
    expect(reply.body.launchConfig).not.toHaveProperty("environment");
    expect(reply.body.launchConfig.version).toMatch(/^[0-9a-f-]{36}$/);
    expect(running.map((c) => [c.healthState, c.version])).toEqual([
      [null, reply.body.launchConfig.version],
      [null, reply.body.launchConfig.version],
    ]);
  });

  it("fills upgrade.inServiceStrategy.previous* slightly after the 202", async () => {
    const kit = await startSim();
    const before = await kit.service(FRONTEND);

    const reply = await kit.action(FRONTEND, "upgrade", upgradeBody(before, NEW_IMAGE));
    await kit.sim.control.clock.advance(0);
    const after = await kit.service(FRONTEND);

    expect(reply.body.upgrade).toBeNull();
    expect(after.upgrade).toMatchObject({ type: "serviceUpgrade", toServiceStrategy: null });
    expect(after.upgrade.inServiceStrategy).toMatchObject({
      type: "inServiceUpgradeStrategy",
      batchSize: 1,
      intervalMillis: 2000,
      startFirst: false,
    });
    expect(after.upgrade.inServiceStrategy.previousLaunchConfig).toEqual(before.launchConfig);
    expect(after.upgrade.inServiceStrategy.previousSecondaryLaunchConfigs).toEqual(
      before.secondaryLaunchConfigs,
    );
    expect(after.upgrade.inServiceStrategy.launchConfig.imageUuid).toBe(`docker:${NEW_IMAGE}`);
  });

  it.each([
    ["an image without docker:", { launchConfig: { imageUuid: NEW_IMAGE } }, "InvalidReference", "imageUuid"],
    [
      "no launch configs",
      { batchSize: 1 },
      "InvalidOption",
      "LaunchConfig/secondaryLaunchConfigs need to be specified for inService strategy",
    ],
    [
      "batchSize 0",
      { batchSize: 0, launchConfig: { imageUuid: `docker:${NEW_IMAGE}` } },
      "MinLimitExceeded",
      "batchSize",
    ],
    [
      "intervalMillis 50",
      { intervalMillis: 50, launchConfig: { imageUuid: `docker:${NEW_IMAGE}` } },
      "MinLimitExceeded",
      "intervalMillis",
    ],
    [
      "batchSize abc",
      { batchSize: "abc", launchConfig: { imageUuid: `docker:${NEW_IMAGE}` } },
      "InvalidFormat",
      "batchSize",
    ],
    [
      "a global label flip",
      {
        launchConfig: { imageUuid: `docker:${NEW_IMAGE}`, labels: { "io.rancher.scheduler.global": "true" } },
      },
      "InvalidOption",
      "Switching from global scale to fixed (and vice versa)",
    ],
  ])("rejects %s with 422 and leaves the service alone", async (_what, strategy, code, fieldName) => {
    const kit = await startSim();

    const reply = await kit.action(FRONTEND, "upgrade", { inServiceStrategy: strategy });
    await kit.sim.control.clock.advance(1000);

    expect(reply.body).toMatchObject({ status: 422, code, fieldName, message: null });
    expect((await kit.service(FRONTEND)).state).toBe("active");
    expect((await kit.service(FRONTEND)).launchConfig.imageUuid).toBe(
      "docker:registry.example.com/shop/frontend:1.0.0",
    );
  });

  it("requires a strategy, refuses startFirst with retainIp and sidekick-only load balancer upgrades", async () => {
    const seed: SeedInput = {
      projects: [
        {
          id: "1a5",
          name: "Default",
          stacks: [
            {
              name: "s",
              services: [
                { name: "ip", image: "x/ip:1", retainIp: true },
                { name: "lb", kind: "loadBalancerService", image: "rancher/lb-service-haproxy:v0.7.9" },
              ],
            },
          ],
        },
      ],
      keys: [{ accessKey: "k", secretKey: "s", project: "1a5" }],
    };
    const kit = await startSim({ seed });
    const launchConfig = { imageUuid: "docker:x/ip:2" };

    const none = await kit.action("1s1", "upgrade", {});
    const startFirst = await kit.action("1s1", "upgrade", {
      inServiceStrategy: { startFirst: true, launchConfig },
    });
    const ok = await kit.action("1s1", "upgrade", { inServiceStrategy: { startFirst: false, launchConfig } });
    const lb = await kit.post("/v2-beta/projects/1a5/loadbalancerservices/1s2/?action=upgrade", {
      inServiceStrategy: { secondaryLaunchConfigs: [{ name: "x", imageUuid: "docker:x/y:1" }] },
    });

    expect(none.body).toMatchObject({
      code: "MissingRequired",
      fieldName: "Upgrade strategy needs to be set",
    });
    expect(startFirst.body).toMatchObject({
      code: "InvalidOption",
      fieldName: "StartFirst option can't be used for service with retainIp field set",
    });
    expect(ok.status).toBe(202);
    expect(lb.body).toMatchObject({
      code: "InvalidOption",
      fieldName: "LaunchConfig is required for load balancer service",
    });
  });
});

describe("in-service upgrade loop (docs/rancher-api.md §4.3)", () => {
  it("batch 1, startFirst false: stops the old container before creating its replacement, sleeps intervalMillis between batches", async () => {
    const kit = await startSim();

    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { batchSize: 1, intervalMillis: 3000 }),
    );
    const events = await watch(kit, FRONTEND, (s) => s.state === "upgraded");

    expect(at(events, /1i1 stopped/)).toBe(500);
    expect(at(events, /1i6 creating/)).toBe(500);
    expect(at(events, /1i6 running:initializing/)).toBe(2500);
    expect(at(events, /1i6 running:healthy/)).toBe(6500);
    expect(at(events, /1i3 stopping/)).toBe(9500);
    expect(at(events, /1i7 running:healthy/)).toBe(16000);
    expect(summary(await kit.instances(FRONTEND))).toEqual([
      "running/healthy@1.1.0",
      "running/healthy@1.1.0",
      "running/null@1.25",
      "running/null@1.25",
      "stopped/healthy@1.0.0",
      "stopped/healthy@1.0.0",
    ]);
  });

  it("batch 2: replaces both units at once", async () => {
    const kit = await startSim();

    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { batchSize: 2 }),
    );
    const events = await watch(kit, FRONTEND, (s) => s.state === "upgraded");

    expect(at(events, /1i1 stopped/)).toBe(500);
    expect(at(events, /1i3 stopped/)).toBe(500);
    expect(at(events, /1i7 running:healthy/)).toBe(6500);
    expect(kit.sim.control.clock.now() - Date.UTC(2024, 0, 1)).toBe(6500);
  });

  it("startFirst true: the replacement is running and healthy before the old container stops", async () => {
    const kit = await startSim();

    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { startFirst: true, batchSize: 1 }),
    );
    const events = await watch(kit, FRONTEND, (s) => s.state === "upgraded");

    expect(at(events, /1i6 creating/)).toBe(0);
    expect(at(events, /1i6 running:healthy/)).toBe(6000);
    expect(at(events, /1i1 stopping/)).toBe(6000);
    expect(at(events, /1i1 stopped/)).toBe(6500);
    expect(at(events, /1i6 running:healthy/)).toBeLessThan(at(events, /1i1 stopping/) + 1);
  });

  it("keeps old containers stopped (not removed) in instanceIds and /instances; dips health; currentScale lags", async () => {
    const kit = await startSim();
    const health = new Set<string>();

    await kit.action(FRONTEND, "upgrade", upgradeBody(await kit.service(FRONTEND), NEW_IMAGE));
    await kit.until(FRONTEND, (s) => {
      health.add(s.healthState);
      return s.state === "upgraded";
    });
    const service = await kit.service(FRONTEND);

    expect(service.instanceIds).toEqual(["1i1", "1i2", "1i3", "1i4", "1i6", "1i7"]);
    expect((await kit.instances(FRONTEND)).filter((c) => c.state === "stopped").map((c) => c.id)).toEqual([
      "1i1",
      "1i3",
    ]);
    expect([...health]).toEqual(expect.arrayContaining(["degraded", "initializing", "healthy"]));
    expect(service).toMatchObject({ healthState: "healthy", currentScale: 2, transitioning: "no" });
  });

  it("leaves sidekicks untouched with secondaryLaunchConfigs: [] and upgrades only a named sidekick", async () => {
    const kit = await startSim();
    const before = await kit.service(FRONTEND);
    const nginx = before.secondaryLaunchConfigs[0];

    await kit.action(FRONTEND, "upgrade", {
      inServiceStrategy: {
        batchSize: 2,
        secondaryLaunchConfigs: [{ ...nginx, imageUuid: "docker:nginx:1.27" }],
      },
    });
    await kit.until(FRONTEND, (s) => s.state === "upgraded");
    const after = await kit.service(FRONTEND);
    const instances = await kit.instances(FRONTEND);

    expect(after.launchConfig).toEqual(before.launchConfig);
    expect(after.secondaryLaunchConfigs[0]).toMatchObject({ name: "nginx", imageUuid: "docker:nginx:1.27" });
    expect(after.secondaryLaunchConfigs[0].version).not.toBe("0");
    expect(instances.filter((c) => c.state === "running").map((c) => c.id)).toEqual([
      "1i1",
      "1i3",
      "1i6",
      "1i7",
    ]);
    expect(summary(instances)).toEqual([
      "running/healthy@1.0.0",
      "running/healthy@1.0.0",
      "running/null@1.27",
      "running/null@1.27",
      "stopped/null@1.25",
      "stopped/null@1.25",
    ]);
    expect(instances.find((c) => c.id === "1i6")?.labels["io.rancher.service.launch.config"]).toBe("nginx");
  });

  it("removes a sidekick sent with imageUuid rancher/none (stopped now, removed on finish)", async () => {
    const kit = await startSim();

    const reply = await kit.action(FRONTEND, "upgrade", {
      inServiceStrategy: { secondaryLaunchConfigs: [{ name: "nginx", imageUuid: "rancher/none" }] },
    });
    await kit.until(FRONTEND, (s) => s.state === "upgraded");
    const upgraded = summary(await kit.instances(FRONTEND));
    await kit.action(FRONTEND, "finishupgrade");
    await kit.until(FRONTEND, (s) => s.state === "active");

    expect(reply.body.secondaryLaunchConfigs).toEqual([]);
    expect(upgraded).toEqual([
      "running/healthy@1.0.0",
      "running/healthy@1.0.0",
      "stopped/null@1.25",
      "stopped/null@1.25",
    ]);
    expect(summary(await kit.instances(FRONTEND))).toEqual([
      "running/healthy@1.0.0",
      "running/healthy@1.0.0",
    ]);
  });
});

describe("finish, rollback, cancel, continue ()", () => {
  it("finishupgrade: finishing-upgrade, old containers removing → removed, then active", async () => {
    const kit = await startSim();
    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { batchSize: 2 }),
    );
    await kit.until(FRONTEND, (s) => s.state === "upgraded");

    const reply = await kit.action(FRONTEND, "finishupgrade");
    const events = await watch(kit, FRONTEND, (s) => s.state === "active");
    const service = await kit.service(FRONTEND);

    expect(reply.body).toMatchObject({ state: "finishing-upgrade", transitioning: "yes" });
    expect(events.join("\n")).toMatch(/t=0 1i1 removing/);
    expect(kit.ctl.container("1i1").state).toBe("removed");
    expect(service.instanceIds).toEqual(["1i2", "1i4", "1i6", "1i7"]);
    expect(service.upgrade.inServiceStrategy.launchConfig.imageUuid).toBe(`docker:${NEW_IMAGE}`);
  });

  it("rollback from upgraded: old config in the 202 body, old containers restarted (reinitializing → healthy), new ones removed", async () => {
    const kit = await startSim();
    const before = await kit.service(FRONTEND);
    await kit.action(FRONTEND, "upgrade", upgradeBody(before, NEW_IMAGE, { batchSize: 2 }));
    await kit.until(FRONTEND, (s) => s.state === "upgraded");

    const reply = await kit.action(FRONTEND, "rollback");
    const events = await watch(kit, FRONTEND, (s) => s.state === "active");
    await kit.until(FRONTEND, (s) => s.healthState === "healthy");
    const after = await kit.service(FRONTEND);

    expect(reply.body).toMatchObject({ state: "rolling-back", transitioning: "yes" });
    expect(reply.body.launchConfig).toEqual(before.launchConfig);
    expect(events.join("\n")).toMatch(/1i1 running:reinitializing/);
    expect(events.join("\n")).toMatch(/t=0 1i6 stopping/);
    expect(events.join("\n")).toMatch(/t=500 1i6 removing/);
    expect(kit.ctl.container("1i6").state).toBe("removed");
    expect(summary(await kit.instances(FRONTEND))).toEqual([
      "running/healthy@1.0.0",
      "running/healthy@1.0.0",
      "running/null@1.25",
      "running/null@1.25",
    ]);
    expect(after.upgrade).not.toBeNull();
    expect(after.currentScale).toBe(2);
  });

  it("rollback mid-upgrading aborts the loop", async () => {
    const kit = await startSim();
    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { batchSize: 1 }),
    );
    await kit.sim.control.clock.advance(3000);

    const reply = await kit.action(FRONTEND, "rollback");
    await kit.until(FRONTEND, (s) => s.state === "active");
    await kit.sim.control.clock.advance(20_000);

    expect(reply.body.state).toBe("rolling-back");
    expect(summary(await kit.instances(FRONTEND))).toEqual([
      "running/healthy@1.0.0",
      "running/healthy@1.0.0",
      "running/null@1.25",
      "running/null@1.25",
    ]);
    expect((await kit.service(FRONTEND)).state).toBe("active");
  });

  it("cancelupgrade → canceled-upgrade with mixed containers, then continueupgrade → upgraded", async () => {
    const kit = await startSim();
    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { batchSize: 1, intervalMillis: 5000 }),
    );
    await kit.until(
      FRONTEND,
      () =>
        kit.ctl.container("1i1").state === "stopped" && kit.ctl.container("1i6").healthState === "healthy",
    );

    const cancel = await kit.action(FRONTEND, "cancelupgrade");
    await kit.until(FRONTEND, (s) => s.state === "canceled-upgrade");
    await kit.sim.control.clock.advance(30_000);
    const mixed = summary(await kit.instances(FRONTEND));
    const resumed = await kit.action(FRONTEND, "continueupgrade");
    await kit.until(FRONTEND, (s) => s.state === "upgraded");

    expect(cancel.body.state).toBe("canceling-upgrade");
    expect(mixed).toEqual([
      "running/healthy@1.0.0",
      "running/healthy@1.1.0",
      "running/null@1.25",
      "running/null@1.25",
      "stopped/healthy@1.0.0",
    ]);
    expect(resumed.body.state).toBe("upgrading");
    expect(summary(await kit.instances(FRONTEND)).filter((s) => s.startsWith("running"))).toEqual([
      "running/healthy@1.1.0",
      "running/healthy@1.1.0",
      "running/null@1.25",
      "running/null@1.25",
    ]);
  });

  it("rollback from canceled-upgrade restores the old containers", async () => {
    const kit = await startSim();
    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { batchSize: 1 }),
    );
    await kit.sim.control.clock.advance(7000);
    await kit.action(FRONTEND, "cancelupgrade");
    await kit.until(FRONTEND, (s) => s.state === "canceled-upgrade");

    await kit.action(FRONTEND, "rollback");
    await kit.until(FRONTEND, (s) => s.state === "active" && s.healthState === "healthy");

    expect(
      summary(await kit.instances(FRONTEND)).filter(
        (s) => s.includes("frontend") || s.endsWith("1.0.0") || s.endsWith("1.1.0"),
      ),
    ).toEqual(["running/healthy@1.0.0", "running/healthy@1.0.0"]);
  });

  it("keeps reconciling in upgraded: a removed new container is recreated, stopped old ones stay stopped", async () => {
    const kit = await startSim();
    await kit.action(
      FRONTEND,
      "upgrade",
      upgradeBody(await kit.service(FRONTEND), NEW_IMAGE, { batchSize: 2 }),
    );
    await kit.until(FRONTEND, (s) => s.state === "upgraded");

    const deleted = await kit.request("DELETE", "/v2-beta/projects/1a5/containers/1i6");
    await kit.until(
      FRONTEND,
      () =>
        kit.ctl.instances(FRONTEND).filter((c) => c.state === "running" && c.healthState === "healthy")
          .length === 2,
    );
    const instances = await kit.instances(FRONTEND);

    expect(deleted.body.state).toBe("removing");
    expect(instances.map((c) => `${String(c.id)}:${String(c.state)}`)).toEqual([
      "1i1:stopped",
      "1i2:running",
      "1i3:stopped",
      "1i4:running",
      "1i7:running",
      "1i8:running",
    ]);
    expect(instances.find((c) => c.id === "1i8")?.imageUuid).toBe(`docker:${NEW_IMAGE}`);
    expect((await kit.service(FRONTEND)).state).toBe("upgraded");
  });

  it("works the same through /v1 (upgrade, finishupgrade)", async () => {
    const kit = await startSim();
    const service = (await kit.get("/v1/projects/1a5/services/1s2")).body;

    const upgrade = await kit.post(
      "/v1/projects/1a5/services/1s2/?action=upgrade",
      upgradeBody(service, "registry.example.com/shop/worker:2"),
    );
    await kit.until("1s2", (s) => s.state === "upgraded");
    const finish = await kit.post("/v1/projects/1a5/services/1s2/?action=finishupgrade");
    await kit.until("1s2", (s) => s.state === "active");

    expect(upgrade.body).toMatchObject({ state: "upgrading", environmentId: "1e1" });
    expect(finish.body.state).toBe("finishing-upgrade");
    expect(summary(await kit.instances("1s2"))).toEqual(["running/null@2"]);
  });
});
