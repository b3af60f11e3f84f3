import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Deployment, DeploymentEvent, DeploymentState } from "../../src/domain/index.js";
import { waitForDeployments, type DeploymentWatch } from "../../src/http/wait-for-deployments.js";

const SETTINGS: Deployment["settings"] = {
  strategy: { batchSize: 1, intervalMillis: 0, startFirst: false },
  upgradeTimeoutMs: 1_000,
  verify: { soakMs: 0, timeoutMs: 1_000 },
  onFailure: "rollback",
  onUpgradedLeftover: "finish",
};

function deployment(id: string, state: DeploymentState, extra: Partial<Deployment> = {}): Deployment {
  return {
    id,
    target: { environment: "demo", stack: "shop", service: "frontend" },
    targetKey: "demo/shop/frontend",
    image: "registry.example.com/shop/frontend",
    tag: "1.0.0",
    state,
    source: "ci",
    settings: SETTINGS,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
}

/** An in-memory store and engine: `move` changes a deployment and tells the listeners. */
function fakeWatch(initial: readonly Deployment[], events: Record<string, DeploymentEvent[]> = {}) {
  const rows = new Map(initial.map((d) => [d.id, d]));
  const listeners = new Set<(d: Deployment) => void>();
  let shuttingDown = false;
  const watch: DeploymentWatch = {
    engine: {
      onTransition: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    store: { get: (id) => rows.get(id), events: (id) => events[id] ?? [] },
    shuttingDown: () => shuttingDown,
    shutdownPollMs: 100,
  };
  return {
    watch,
    listeners,
    move(id: string, state: DeploymentState, extra: Partial<Deployment> = {}) {
      const next = { ...(rows.get(id) as Deployment), state, ...extra };
      rows.set(id, next);
      for (const listener of listeners) listener(next);
    },
    shutDown: () => {
      shuttingDown = true;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("waitForDeployments", () => {
  it("answers at once when every deployment is already terminal, with the reason of each non-success", async () => {
    const superseded: DeploymentEvent = {
      seq: 2,
      deploymentId: "d_2",
      at: "2026-01-01T00:00:01.000Z",
      state: "superseded",
      kind: "transition",
      detail: "superseded by d_3 (registry.example.com/shop/frontend:1.0.1)",
    };
    const fake = fakeWatch(
      [
        deployment("d_1", "succeeded"),
        deployment("d_2", "superseded", { supersededBy: "d_3" }),
        deployment("d_4", "canceled", {
          error: { code: "ERR_CANCELED", message: "canceled by an operator" },
        }),
        deployment("d_5", "succeeded", {
          target: { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" },
        }),
      ],
      { d_2: [superseded] },
    );

    const result = await waitForDeployments(
      fake.watch,
      ["d_1", "d_2", "d_4", "d_5"],
      60_000,
      new AbortController().signal,
    );

    expect(result.end).toBe("terminal");
    expect(result.running).toEqual([]);
    expect(result.deployments).toEqual([
      {
        id: "d_1",
        state: "succeeded",
        target: "demo/shop/frontend",
        image: "registry.example.com/shop/frontend:1.0.0",
      },
      {
        id: "d_2",
        state: "superseded",
        target: "demo/shop/frontend",
        image: "registry.example.com/shop/frontend:1.0.0",
        reason: superseded.detail,
      },
      {
        id: "d_4",
        state: "canceled",
        target: "demo/shop/frontend",
        image: "registry.example.com/shop/frontend:1.0.0",
        reason: "canceled by an operator",
      },
      {
        id: "d_5",
        state: "succeeded",
        target: "demo/shop/frontend/nginx",
        image: "registry.example.com/shop/frontend:1.0.0",
      },
    ]);
    expect(fake.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("resolves when the last one becomes terminal, and removes its listener and timers", async () => {
    const fake = fakeWatch([deployment("d_1", "verifying"), deployment("d_2", "queued")]);
    const waiting = waitForDeployments(fake.watch, ["d_1", "d_2"], 60_000, new AbortController().signal);

    fake.move("d_1", "succeeded");
    expect(fake.listeners.size).toBe(1);
    fake.move("d_2", "skipped");
    const result = await waiting;

    expect(result.end).toBe("terminal");
    expect(result.deployments.map((d) => d.state)).toEqual(["succeeded", "skipped"]);
    expect(fake.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends with timeout at the limit and lists what still runs", async () => {
    const fake = fakeWatch([deployment("d_1", "succeeded"), deployment("d_2", "verifying")]);
    const waiting = waitForDeployments(fake.watch, ["d_1", "d_2"], 5_000, new AbortController().signal);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(fake.listeners.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const result = await waiting;

    expect(result.end).toBe("timeout");
    expect(result.running).toEqual(["d_2"]);
    expect(fake.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends with shutdown within one poll interval once the app shuts down", async () => {
    const fake = fakeWatch([deployment("d_1", "upgrading")]);
    const waiting = waitForDeployments(fake.watch, ["d_1"], 3_600_000, new AbortController().signal);

    fake.shutDown();
    await vi.advanceTimersByTimeAsync(100);
    const result = await waiting;

    expect(result.end).toBe("shutdown");
    expect(result.deployments[0]?.state).toBe("upgrading");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends with aborted when the signal aborts, and keeps the last states if the store is closed", async () => {
    const fake = fakeWatch([deployment("d_1", "verifying")]);
    const controller = new AbortController();
    const waiting = waitForDeployments(fake.watch, ["d_1"], 3_600_000, controller.signal);
    (fake.watch.store as { get: unknown }).get = () => {
      throw new TypeError("The database connection is not open");
    };

    controller.abort();
    const result = await waiting;

    expect(result.end).toBe("aborted");
    expect(result.deployments.map((d) => d.state)).toEqual(["verifying"]);
    expect(fake.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
