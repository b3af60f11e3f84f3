/**
 * The target monitor on the simulator, all on the harness's manual clock: the monitor's timers
 * (debounce, polls) are virtual timers of the simulated clock, its reads go through the harness's
 * pool (the engine's connections) and are tracked, so time stands still while one is in flight.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Backend, BackendConnection } from "../../src/backend/index.js";
import { loadConfig } from "../../src/config/index.js";
import {
  ENVIRONMENT_NOT_CONFIGURED,
  monitoredTargets,
  TargetMonitor,
  type MonitoredTarget,
  type TargetMonitorOptions,
} from "../../src/deploy/index.js";
import type { KnownRancherView, RancherView, Timers } from "../../src/domain/index.js";
import { createManualHarness, virtualTimers, type ManualHarness } from "./manual-harness.js";
import { tracked } from "./virtual-time.js";

const FRONTEND = "registry.example.com/shop/frontend";
const FRONTEND_KEY = "demo/shop/frontend";
const target = (service: string, extra: Partial<MonitoredTarget> = {}): MonitoredTarget => ({
  key: `demo/shop/${service}`,
  environment: "demo",
  stack: "shop",
  service,
  ...extra,
});

/** Virtual timers that remember every delay asked for and which timers are still pending. */
interface RecordingTimers extends Timers {
  readonly delays: number[];
  readonly pendingCount: () => number;
}

function recording(timers: Timers): RecordingTimers {
  const delays: number[] = [];
  const pending = new Set<unknown>();
  return {
    delays,
    pendingCount: () => pending.size,
    now: () => timers.now(),
    setTimeout: (callback, ms) => {
      delays.push(ms);
      const handle: unknown = timers.setTimeout(() => {
        pending.delete(handle);
        callback();
      }, ms);
      pending.add(handle);
      return handle;
    },
    clearTimeout: (handle) => {
      pending.delete(handle);
      timers.clearTimeout(handle);
    },
  };
}

interface Setup {
  readonly h: ManualHarness;
  readonly monitor: TargetMonitor;
  readonly timers: RecordingTimers;
  /** Every view the monitor emitted, per target key. */
  readonly changes: Map<string, RancherView[]>;
  /** Reads (service and instance GETs) the monitor sent, and the most in flight at once. */
  readonly reads: { service: number; instances: number; inFlight: number; maxInFlight: number };
  readonly view: (key?: string) => RancherView;
  readonly known: (key?: string) => KnownRancherView;
}

interface SetupOptions {
  /** Give the monitor the environment's change feed (default true). */
  readonly events?: boolean;
  readonly targets?: () => readonly MonitoredTarget[];
  readonly monitor?: Partial<TargetMonitorOptions>;
}

let current: Setup | undefined;
afterEach(async () => {
  const setup = current;
  current = undefined;
  if (setup === undefined) return;
  await setup.h.time.drain(setup.monitor.close());
  await setup.h.close();
});

async function setup(options: SetupOptions = {}): Promise<Setup> {
  const h = await createManualHarness();
  const timers = recording(virtualTimers(h.time));
  const reads = { service: 0, instances: 0, inFlight: 0, maxInFlight: 0 };
  const count = async <T>(kind: "service" | "instances", work: () => Promise<T>): Promise<T> => {
    reads[kind] += 1;
    reads.inFlight += 1;
    reads.maxInFlight = Math.max(reads.maxInFlight, reads.inFlight);
    try {
      return await work();
    } finally {
      reads.inFlight -= 1;
    }
  };
  const counted = (client: Backend): Backend =>
    new Proxy(client, {
      get(object, property) {
        if (property === "getService")
          return (ref: Parameters<Backend["getService"]>[0]) =>
            count("service", () => object.getService(ref));
        if (property === "listInstances")
          return (ref: Parameters<Backend["listInstances"]>[0]) =>
            count("instances", () => object.listInstances(ref));
        const value: unknown = Reflect.get(object, property, object);
        // Bound: the client's private fields do not work through a proxy.
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(object) : value;
      },
    });
  const connect = (environment: string): Promise<BackendConnection> =>
    h.time.call(() =>
      h.pool.get(environment).then((connection) => {
        const client = tracked(h.time, counted(connection.client));
        return options.events !== false && connection.events !== undefined
          ? { client, events: connection.events }
          : { client };
      }),
    );
  const monitor = new TargetMonitor({
    targets: options.targets ?? (() => [target("frontend")]),
    environments: () => ({ demo: {} }),
    connect,
    timers,
    logger: h.logs.logger,
    ...options.monitor,
  });
  const changes = new Map<string, RancherView[]>();
  monitor.onChange((key, view) => {
    changes.set(key, [...(changes.get(key) ?? []), view]);
    h.time.touch();
  });
  const view = (key = FRONTEND_KEY): RancherView => monitor.view(key);
  const known = (key = FRONTEND_KEY): KnownRancherView => {
    const shown = view(key);
    if (shown.status !== "known") throw new Error(`expected a known view, got ${JSON.stringify(shown)}`);
    return shown;
  };
  current = { h, monitor, timers, changes, reads, view, known };
  return current;
}

/** Another Rancher client (not drover): plain HTTP against the simulator's API with its key. */
async function outside(h: ManualHarness, method: string, path: string, body?: unknown): Promise<unknown> {
  const authorization = `Basic ${Buffer.from(`${h.sim.accessKey}:${h.sim.secretKey}`).toString("base64")}`;
  const response = await h.time.track(
    fetch(`${h.sim.url}/v2-beta/projects/${h.sim.projectId}${path}`, {
      method,
      headers: { authorization, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const json: unknown = await response.json();
  if (!response.ok) throw new Error(`${method} ${path} answered ${String(response.status)}`);
  return json;
}

/** Another client's in-place upgrade of the frontend to `image` (the whole launch config, image changed). */
async function upgradeOutside(h: ManualHarness, image: string): Promise<void> {
  const id = h.sim.control.serviceId("shop", "frontend");
  const launchConfig = h.service("shop", "frontend")["launchConfig"] as Record<string, unknown>;
  await outside(h, "POST", `/services/${id}/?action=upgrade`, {
    inServiceStrategy: {
      batchSize: 2,
      intervalMillis: 100,
      startFirst: false,
      launchConfig: { ...launchConfig, imageUuid: `docker:${image}` },
      secondaryLaunchConfigs: [],
    },
  });
}

const serviceState = (h: ManualHarness): unknown => h.service("shop", "frontend")["state"];

describe("TargetMonitor", () => {
  it("reads every target at start and shows what Rancher runs", async () => {
    const { h, monitor, known, changes } = await setup({
      targets: () => [
        target("frontend"),
        target("frontend-nginx", { service: "frontend", sidekick: "nginx" }),
      ],
    });
    expect(monitor.view(FRONTEND_KEY)).toEqual({ status: "unknown" });

    monitor.start();
    await h.time.runUntil(() => monitor.view(FRONTEND_KEY).status === "known");

    expect(known()).toMatchObject({
      status: "known",
      image: `${FRONTEND}:1.0.0`,
      serviceState: "active",
      healthState: "healthy",
      healthy: 2,
      total: 2,
    });
    expect(known().containers.map((c) => [c.id, c.name, c.state, c.healthState])).toEqual([
      ["1i1", "shop-frontend-1", "running", "healthy"],
      ["1i3", "shop-frontend-2", "running", "healthy"],
    ]);
    expect(known("demo/shop/frontend-nginx")).toMatchObject({ image: "nginx:1.25", healthy: 2, total: 2 });
    expect(changes.get(FRONTEND_KEY)?.map((view) => view.status)).toEqual(["known"]);
  });

  it("reflects a deployment's upgrade from the change feed, without a read per event", async () => {
    const { h, monitor, known, changes, reads } = await setup();
    monitor.start();
    await h.time.runUntil(() => monitor.view(FRONTEND_KEY).status === "known");
    const before = { ...reads };

    const deployment = h.submit(FRONTEND, "1.1.0");
    const started = h.time.now();
    expect((await h.settle(deployment.id)).state).toBe("succeeded");
    await h.time.runUntil(() => known().serviceState === "active" && known().image === `${FRONTEND}:1.1.0`);
    const elapsed = h.time.now() - started;

    expect(known()).toMatchObject({
      image: `${FRONTEND}:1.1.0`,
      healthy: 2,
      total: 2,
      healthState: "healthy",
    });
    const seen = changes.get(FRONTEND_KEY) ?? [];
    const states = seen.map((view) => (view.status === "known" ? view.serviceState : view.status));
    expect(states).toContain("upgrading");
    expect(states).toContain("upgraded");
    const counts = seen.map((view) => (view.status === "known" ? `${view.healthy}/${view.total}` : ""));
    expect(counts.some((value) => value !== "2/2")).toBe(true);
    // Many change events, but reads only at the 30 s polls (the feed is up): one per target each.
    const polls = Math.floor(elapsed / 30_000) + 1;
    expect(reads.service - before.service).toBeLessThanOrEqual(polls);
    expect(reads.instances - before.instances).toBeLessThanOrEqual(polls);
  });

  it("reflects a change made by another Rancher client", async () => {
    const { h, monitor, known } = await setup();
    monitor.start();
    await h.time.runUntil(() => monitor.view(FRONTEND_KEY).status === "known");

    await upgradeOutside(h, `${FRONTEND}:9.9.9`);
    await h.time.runUntil(() => known().serviceState === "upgraded" && known().healthy === 2);
    expect(known().image).toBe(`${FRONTEND}:9.9.9`);
    expect(
      known()
        .containers.filter((c) => c.state === "running")
        .map((c) => c.image),
    ).toEqual([`${FRONTEND}:9.9.9`, `${FRONTEND}:9.9.9`]);

    await outside(
      h,
      "POST",
      `/services/${h.sim.control.serviceId("shop", "frontend")}/?action=finishupgrade`,
    );
    await h.time.runUntil(() => known().serviceState === "active" && known().containers.length === 2);
    expect(known()).toMatchObject({ image: `${FRONTEND}:9.9.9`, healthy: 2, total: 2 });
  });

  it("shows Rancher down as unreachable (keeping the last view, no secret in the reason), then known again", async () => {
    const { h, monitor, view, changes } = await setup();
    monitor.start();
    await h.time.runUntil(() => view().status === "known");
    const { observedAt: _at, ...last } = view();

    h.sim.control.faults.set({ errorRate: 1, errorStatuses: [503] });
    await h.time.runUntil(() => view().status === "unreachable", { maxSimMs: 120_000 });
    const down = view();
    expect(down).toMatchObject({
      status: "unreachable",
      last: { ...last, observedAt: expect.any(String) },
      reason: expect.stringMatching(/cannot be reached/),
    });
    expect(JSON.stringify(down)).not.toContain(h.sim.secretKey);

    h.sim.control.faults.reset();
    await h.time.runUntil(() => view().status === "known", { maxSimMs: 120_000 });
    expect(view()).toMatchObject({ status: "known", image: `${FRONTEND}:1.0.0`, healthy: 2 });
    expect(changes.get(FRONTEND_KEY)?.map((item) => item.status)).toEqual(["known", "unreachable", "known"]);
  });

  it("shows a removed service as missing, and a target Rancher never had as missing", async () => {
    const { h, monitor, view } = await setup({ targets: () => [target("frontend"), target("nothing-here")] });
    monitor.start();
    await h.time.runUntil(
      () => view().status === "known" && view("demo/shop/nothing-here").status === "missing",
    );

    await outside(h, "DELETE", `/services/${h.sim.control.serviceId("shop", "frontend")}`);
    await h.time.runUntil(() => view().status === "missing");
    expect(view()).toEqual({ status: "missing", observedAt: expect.any(String) });
  });

  it("polls every 5 s without a change feed and every 30 s with one", async () => {
    const without = await setup({ events: false });
    without.monitor.start();
    await without.h.time.runUntil(() => without.view().status === "known");
    await upgradeOutside(without.h, `${FRONTEND}:2.0.0`);
    expect(without.known().image).toBe(`${FRONTEND}:1.0.0`);
    const waited = await without.h.time.runUntil(() => without.known().image === `${FRONTEND}:2.0.0`, {
      maxSimMs: 5_000,
    });
    expect(waited).toBeLessThanOrEqual(5_000);
    await without.h.time.runUntil(() => serviceState(without.h) === "upgraded");
    await without.h.time.runUntil(() => without.known().serviceState === "upgraded", { maxSimMs: 5_000 });
    expect(without.timers.delays).toContain(5_000);
    expect(without.timers.delays).not.toContain(30_000);
    await without.h.time.drain(without.monitor.close());
    await without.h.close();
    current = undefined;

    const withFeed = await setup();
    withFeed.monitor.start();
    await withFeed.h.time.runUntil(() => withFeed.view().status === "known");
    await withFeed.h.time.runUntil(() => withFeed.timers.delays.includes(30_000));
    expect(withFeed.timers.delays).not.toContain(5_000);
  });

  it("emits only real changes: quiet polls of an unchanged target say nothing", async () => {
    const { h, monitor, changes, reads } = await setup({ events: false });
    monitor.start();
    await h.time.runUntil(() => monitor.view(FRONTEND_KEY).status === "known");
    const start = h.time.now();
    await h.time.runUntil(() => h.time.now() - start >= 60_000);

    expect(changes.get(FRONTEND_KEY)?.length).toBe(1);
    // One read per poll: 5 s apart for a minute.
    expect(reads.service).toBeGreaterThanOrEqual(12);
    expect(reads.service).toBeLessThanOrEqual(14);
    expect(reads.instances).toBe(reads.service);
  });

  it("bounds the reads in flight per environment", async () => {
    const names = ["frontend", "worker", "a", "b", "c", "d", "e", "f"];
    const { h, monitor, view, reads } = await setup({
      targets: () => names.map((name) => target(name)),
      monitor: { concurrency: 2 },
    });
    monitor.start();
    await h.time.runUntil(() => names.every((name) => view(`demo/shop/${name}`).status !== "unknown"));

    expect(reads.maxInFlight).toBeLessThanOrEqual(2);
    expect(reads.maxInFlight).toBeGreaterThan(0);
    expect(view("demo/shop/worker")).toMatchObject({
      status: "known",
      image: "registry.example.com/shop/worker:1.0.0",
    });
    expect(view("demo/shop/a")).toMatchObject({ status: "missing" });
  });

  it("follows the target list on config changes; an unconfigured environment is unreachable without a read", async () => {
    let list: MonitoredTarget[] = [target("frontend")];
    let notify = (): void => undefined;
    const { h, monitor, view, reads } = await setup({
      targets: () => list,
      monitor: {
        subscribeConfig: (listener) => {
          notify = listener;
          return () => {
            notify = () => undefined;
          };
        },
      },
    });
    monitor.start();
    await h.time.runUntil(() => view().status === "known");

    list = [target("worker"), { key: "gone/shop/web", environment: "gone", stack: "shop", service: "web" }];
    const before = reads.service;
    notify();
    await h.time.runUntil(() => view("demo/shop/worker").status === "known");

    expect(view("gone/shop/web")).toEqual({
      status: "unreachable",
      reason: ENVIRONMENT_NOT_CONFIGURED,
      observedAt: expect.any(String),
    });
    expect(view()).toEqual({ status: "unknown" });
    expect(monitor.targets().map((item) => item.key)).toEqual(["demo/shop/worker", "gone/shop/web"]);
    expect(reads.service - before).toBe(1);
  });

  it("does nothing before start, and leaves no timer or feed listener after close", async () => {
    const { h, monitor, timers, view } = await setup();
    await monitor.refresh();
    expect(timers.delays).toEqual([]);
    expect(view()).toEqual({ status: "unknown" });

    monitor.start();
    await h.time.runUntil(() => view().status === "known");
    expect(timers.pendingCount()).toBeGreaterThan(0);
    await h.time.drain(monitor.close());
    expect(timers.pendingCount()).toBe(0);
    await monitor.refresh();
    expect(timers.pendingCount()).toBe(0);
  });
});

describe("monitoredTargets", () => {
  it("lists the rules' targets and the store's, one per key, the primary before a sidekick", async () => {
    const h = await createManualHarness();
    try {
      const { config } = loadConfig({
        file: "drover.yml",
        env: {},
        readFile: () => `
environments:
  Demo: { simulator: default }
rules:
  - image: ${FRONTEND}
    tags: { glob: "*" }
    targets:
      - { environment: Demo, stack: shop, service: frontend, sidekick: nginx }
  - image: ${FRONTEND}-2
    tags: { glob: "*" }
    targets:
      - { environment: Demo, stack: Shop, service: Frontend }
      - { environment: Demo, stack: shop, service: cart, sidekick: proxy }
`,
      });
      h.submit("registry.example.com/shop/worker", "w1", { environment: "demo", service: "worker" });

      expect(monitoredTargets(config, h.store)).toEqual([
        { key: "demo/shop/cart", environment: "Demo", stack: "shop", service: "cart", sidekick: "proxy" },
        { key: "demo/shop/frontend", environment: "Demo", stack: "Shop", service: "Frontend" },
        { key: "demo/shop/worker", environment: "Demo", stack: "shop", service: "worker" },
      ]);
    } finally {
      await h.close();
    }
  });
});
