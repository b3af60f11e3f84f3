import { afterEach, describe, expect, it } from "vitest";
import { NotificationError } from "../../src/notify/index.js";
import { createDispatcherKit, FakeEngine, scripted, webhook } from "./dispatcher-test-kit.js";
import { makeDeployment } from "./notify-test-kit.js";

const kit = createDispatcherKit();
afterEach(async () => {
  await kit.closeAll();
});

describe("NotificationDispatcher: never blocking, bounded retries", () => {
  it("does not delay the engine's listener when the receiver hangs; stops after the configured attempts", async () => {
    const hanging = await kit.receiver("hang");
    const {
      dispatcher: notifications,
      results,
      logs,
    } = kit.dispatcher({
      on: ["terminal"],
      notifiers: [webhook(`${hanging.origin}/hook`)],
      timeoutMs: 300,
      attempts: 3,
    });
    const engine = new FakeEngine();
    engine.onTransition(notifications.handleTransition);

    for (const n of [1, 2, 3, 4, 5]) engine.transition(makeDeployment("failed", { id: `dep_${n}` }));
    // The listener only queued: nothing went out during the engine's calls.
    const duringListeners = { requests: hanging.requests.length, ...notifications.stats() };
    await kit.runUntil(() => results.length === 5);
    const requestsWhenDone = hanging.requests.length;
    await kit.clock.advance(60_000);
    await kit.runUntil(() => true);

    expect(duringListeners).toEqual({ requests: 0, queued: 5, inFlight: 0, dropped: 0 });
    expect(results).toEqual(Array.from({ length: 5 }, () => "webhook:failed"));
    const lines = logs.lines();
    expect(lines.filter((line) => line["msg"] === "notification failed, retrying")).toHaveLength(10);
    const finals = lines.filter((line) => line["msg"] === "notification not delivered");
    expect(finals.map((line) => [line["attempts"], (line["err"] as { code: string }).code])).toEqual(
      Array.from({ length: 5 }, () => [3, "ERR_NOTIFY_TIMEOUT"]),
    );
    // The receiver saw every attempt (3 per event), and nothing after.
    expect(requestsWhenDone).toBe(15);
    expect(hanging.requests).toHaveLength(requestsWhenDone);
  });

  it("does not delay the listener when the receiver answers 500; retries stop after the attempts", async () => {
    const failing = await kit.receiver(500);
    const {
      dispatcher: notifications,
      logs,
      results,
    } = kit.dispatcher({
      on: ["terminal"],
      notifiers: [webhook(`${failing.origin}/hook`)],
      attempts: 3,
    });
    const engine = new FakeEngine();
    engine.onTransition(notifications.handleTransition);

    engine.transition(makeDeployment("rolled-back"));
    const duringListener = failing.requests.length;
    await kit.runUntil(() => results.length === 1);
    await kit.clock.advance(60_000);
    await kit.runUntil(() => true);

    expect(duringListener).toBe(0);
    expect(failing.requests).toHaveLength(3);
    const deliveries = new Set(failing.requests.map((request) => request.headers["x-drover-delivery"]));
    expect(deliveries.size).toBe(1);
    const messages = logs.lines().map((line) => `${String(line["level"])} ${String(line["msg"])}`);
    expect(messages.filter((line) => line === "warn notification failed, retrying")).toHaveLength(2);
    expect(messages.filter((line) => line === "warn notification not delivered")).toHaveLength(1);
  });

  it("does not retry a 4xx, retries a 429, and succeeds when a retry gets through", async () => {
    const rejecting = await kit.receiver(400);
    const limited = await kit.receiver((count) => (count === 1 ? 429 : "ok"));
    const flaky = await kit.receiver((count) => (count < 3 ? 503 : "ok"));
    const { results } = kit.dispatcher({
      on: ["terminal"],
      notifiers: [
        webhook(`${rejecting.origin}/a`),
        webhook(`${limited.origin}/b`),
        webhook(`${flaky.origin}/c`),
      ],
      attempts: 3,
    });
    kit.dispatchers[0]!.handleTransition(makeDeployment("succeeded"));

    await kit.runUntil(() => results.length === 3);

    expect([rejecting.requests.length, limited.requests.length, flaky.requests.length]).toEqual([1, 2, 3]);
    expect(results.sort()).toEqual(["webhook:failed", "webhook:sent", "webhook:sent"]);
  });

  it("starts deliveries after the listener returned, even for a notifier with slow synchronous work", async () => {
    const engine = new FakeEngine();
    const ranInsideListener: boolean[] = [];
    const busy = scripted(() => {
      // Whatever synchronous work a careless notifier does, it does outside the engine's call.
      ranInsideListener.push(engine.emitting);
      return Promise.resolve();
    });
    const { dispatcher: notifications, results } = kit.dispatcher({ on: ["terminal"], notifiers: [busy] });
    engine.onTransition(notifications.handleTransition);

    engine.transition(makeDeployment("succeeded"));
    const callsDuringListener = busy.calls;
    await kit.runUntil(() => results.length === 1);

    expect(callsDuringListener).toBe(0);
    expect(ranInsideListener).toEqual([false]);
    expect(results).toEqual(["webhook:sent"]);
  });

  it("bounds a notifier that ignores its abort signal by the timeout", async () => {
    const stuck = scripted(() => new Promise<void>(() => undefined));
    const { results } = kit.dispatcher({ on: ["terminal"], notifiers: [stuck], timeoutMs: 50, attempts: 2 });

    kit.dispatchers[0]!.handleTransition(makeDeployment("failed"));
    await kit.runUntil(() => stuck.calls === 1);
    const pendingDuringFirstAttempt = kit.clock.pending();
    await kit.runUntil(() => results.length === 1);

    // Nothing but the attempt's own timeout can end it.
    expect(pendingDuringFirstAttempt).toEqual([50]);
    expect(stuck.calls).toBe(2);
    expect(results).toEqual(["webhook:failed"]);
  });

  it("never throws into the engine, whatever a notifier does", async () => {
    const throwing = scripted(() => {
      throw new Error("sync boom");
    });
    const { dispatcher: notifications, logs } = kit.dispatcher({
      on: ["terminal"],
      notifiers: [
        throwing,
        {
          ...throwing,
          accepts: () => {
            throw new Error("accepts boom");
          },
        },
      ],
      attempts: 1,
    });
    const notDelivered = (): number =>
      logs.lines().filter((line) => line["msg"] === "notification not delivered").length;

    expect(() => notifications.handleTransition(makeDeployment("failed"))).not.toThrow();
    await kit.runUntil(() => notDelivered() === 1);

    expect(logs.lines().some((line) => line["msg"] === "notification dispatch failed")).toBe(true);
    expect(throwing.calls).toBe(1);
    expect(notDelivered()).toBe(1);
  });

  it("treats a NotificationError marked not retryable as final", async () => {
    const refusing = scripted(() =>
      Promise.reject(
        new NotificationError("ERR_NOTIFY_REJECTED", "no", { retryable: false, httpStatus: 410 }),
      ),
    );
    const { results } = kit.dispatcher({ on: ["terminal"], notifiers: [refusing], attempts: 5 });

    kit.dispatchers[0]!.handleTransition(makeDeployment("failed"));
    await kit.runUntil(() => results.length === 1);
    await kit.clock.advance(60_000);

    expect(refusing.calls).toBe(1);
    expect(kit.clock.pending()).toEqual([]);
    expect(results).toEqual(["webhook:failed"]);
  });
});
