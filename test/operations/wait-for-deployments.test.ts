import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeploymentEngine } from "../../src/deploy/index.js";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import { waitForDeployments, type DeploymentWatch } from "../../src/operations/index.js";
import { memoryStore, newDeployment } from "../store/store-fixtures.js";

const IMAGE = "registry.example.com/shop/frontend:1.0.0";

/**
 * A real engine over an in-memory store, never started against Rancher: deployments are created
 * queued, `end` moves one to a terminal state through the engine (so waiters hear it), and
 * `subscribed` counts the engine listeners still attached.
 */
function setUp() {
  const { store } = memoryStore();
  const engine = new DeploymentEngine({
    store,
    rancher: () => Promise.reject(new Error("no Rancher in this test")),
    logger: pino({ level: "silent" }),
    now: Date.now,
    sleep: () => Promise.resolve(),
    fetch,
  });
  let subscribed = 0;
  const onTransition = engine.onTransition.bind(engine);
  vi.spyOn(engine, "onTransition").mockImplementation((listener) => {
    subscribed += 1;
    const off = onTransition(listener);
    return () => {
      subscribed -= 1;
      off();
    };
  });
  const shutdown = new AbortController();
  const watch: DeploymentWatch = { engine, store, shutdown: shutdown.signal };
  const create = (extra: Parameters<typeof newDeployment>[0] = {}): Deployment =>
    store.create(
      newDeployment({ target: { environment: "demo", stack: "shop", service: "frontend" }, ...extra }),
    );
  const settle = (
    d: Deployment,
    to: DeploymentState,
    detail: string,
    error?: Deployment["error"],
  ): Deployment =>
    store.transition({
      id: d.id,
      from: "queued",
      to,
      detail,
      ...(error === undefined ? {} : { patch: { error } }),
    });
  return {
    store,
    engine,
    watch,
    create,
    settle,
    /** Ends a queued deployment through the engine (a cancel), which waiters hear. */
    end: (d: Deployment) => engine.cancel(d.id),
    subscribed: () => subscribed,
    shutDown: () => shutdown.abort(),
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("waitForDeployments", () => {
  it("answers at once when every deployment is already terminal, with the reason of each non-success", async () => {
    const t = setUp();
    const succeeded = t.settle(t.create(), "succeeded", "done");
    const supersededDetail = `superseded by d_3 (${IMAGE})`;
    const superseded = t.settle(t.create(), "superseded", supersededDetail);
    const canceled = t.settle(t.create(), "canceled", "canceled", {
      code: "ERR_CANCELED",
      message: "canceled by an operator",
    });
    const sidekick = t.settle(
      t.create({ target: { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" } }),
      "succeeded",
      "done",
    );
    const ids = [succeeded.id, superseded.id, canceled.id, sidekick.id];

    const result = await waitForDeployments(t.watch, ids, 60_000, new AbortController().signal);

    expect(result.end).toBe("terminal");
    expect(result.running).toEqual([]);
    expect(result.deployments).toEqual([
      { id: succeeded.id, state: "succeeded", target: "demo/shop/frontend", image: IMAGE },
      {
        id: superseded.id,
        state: "superseded",
        target: "demo/shop/frontend",
        image: IMAGE,
        reason: supersededDetail,
      },
      {
        id: canceled.id,
        state: "canceled",
        target: "demo/shop/frontend",
        image: IMAGE,
        reason: "canceled by an operator",
      },
      { id: sidekick.id, state: "succeeded", target: "demo/shop/frontend/nginx", image: IMAGE },
    ]);
    expect(t.subscribed()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("resolves when the last one becomes terminal, and removes the engine listener and timers", async () => {
    const t = setUp();
    const a = t.create();
    const b = t.create({ target: { environment: "demo", stack: "shop", service: "worker" } });
    const waiting = waitForDeployments(t.watch, [a.id, b.id], 60_000, new AbortController().signal);

    t.end(a);
    expect(t.subscribed()).toBe(1);
    t.end(b);
    const result = await waiting;

    expect(result.end).toBe("terminal");
    expect(result.deployments.map((d) => d.state)).toEqual(["canceled", "canceled"]);
    expect(t.subscribed()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends with timeout at the limit and lists what still runs", async () => {
    const t = setUp();
    const done = t.settle(t.create(), "succeeded", "done");
    const queued = t.create();
    const waiting = waitForDeployments(t.watch, [done.id, queued.id], 5_000, new AbortController().signal);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(t.subscribed()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const result = await waiting;

    expect(result.end).toBe("timeout");
    expect(result.running).toEqual([queued.id]);
    expect(t.subscribed()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends with shutdown as soon as the app starts shutting down", async () => {
    const t = setUp();
    const queued = t.create();
    const waiting = waitForDeployments(t.watch, [queued.id], 3_600_000, new AbortController().signal);

    t.shutDown();
    const result = await waiting;

    expect(result.end).toBe("shutdown");
    expect(result.deployments[0]?.state).toBe("queued");
    expect(t.subscribed()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends with aborted when the signal aborts, and keeps the first states if the store is closed", async () => {
    const t = setUp();
    const queued = t.create();
    const controller = new AbortController();
    const waiting = waitForDeployments(t.watch, [queued.id], 3_600_000, controller.signal);
    t.store.close();

    controller.abort();
    const result = await waiting;

    expect(result.end).toBe("aborted");
    expect(result.deployments.map((d) => d.state)).toEqual(["queued"]);
    expect(t.subscribed()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
