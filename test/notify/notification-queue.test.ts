import { afterEach, describe, expect, it } from "vitest";
import { SlackNotifier } from "../../src/notify/index.js";
import { createDispatcherKit, scripted, trackedFetch, webhook } from "./dispatcher-test-kit.js";
import { makeDeployment } from "./notify-test-kit.js";

const kit = createDispatcherKit();
afterEach(async () => {
  await kit.closeAll();
});

describe("NotificationDispatcher: filtering, queues and shutdown", () => {
  it("sends nothing for intermediate states, and the start only when on includes start", async () => {
    const seen: string[] = [];
    const recorder = scripted((event) => {
      seen.push(`${event.kind}:${event.state}`);
      return Promise.resolve();
    });
    const { dispatcher: terminalOnly } = kit.dispatcher({ on: ["terminal"], notifiers: [recorder] });
    const { dispatcher: withStart } = kit.dispatcher({ on: ["start", "terminal"], notifiers: [recorder] });

    for (const state of [
      "queued",
      "preparing",
      "upgrading",
      "verifying",
      "finishing",
      "succeeded",
    ] as const) {
      terminalOnly.handleTransition(makeDeployment(state));
      withStart.handleTransition(makeDeployment(state));
    }
    await kit.runUntil(() => seen.length === 3);
    await kit.clock.advance(60_000);
    await kit.runUntil(() => true);

    expect(seen.sort()).toEqual(["finished:succeeded", "finished:succeeded", "started:preparing"]);
  });

  it("drops the oldest delivery with a warn log when the queue is full", async () => {
    const seen: string[] = [];
    const slow = scripted(async (event) => {
      seen.push(event.deploymentId);
      await kit.clock.sleep(100);
    });
    const { logs, results } = kit.dispatcher(
      { on: ["terminal"], notifiers: [slow] },
      { maxQueue: 2, concurrency: 1 },
    );

    for (const n of [1, 2, 3, 4])
      kit.dispatchers[0]!.handleTransition(makeDeployment("failed", { id: `dep_${n}` }));
    await kit.runUntil(() => results.length === 4);

    expect(seen).toEqual(["dep_3", "dep_4"]);
    expect(results.filter((result) => result.endsWith("dropped"))).toHaveLength(2);
    const warnings = logs
      .lines()
      .filter((line) => line["msg"] === "notification queue full, dropped the oldest");
    expect(warnings.map((line) => line["deploymentId"])).toEqual(["dep_1", "dep_2"]);
    expect(warnings.every((line) => line["level"] === "warn")).toBe(true);
  });

  it("close() waits for in-flight sends", async () => {
    const slow = await kit.receiver("ok");
    const delayed = scripted(async (event, signal) => {
      await kit.clock.sleep(150);
      await trackedFetch(`${slow.origin}/${event.deploymentId}`, { method: "POST", signal });
    });
    const { dispatcher: notifications, results } = kit.dispatcher({ on: ["terminal"], notifiers: [delayed] });
    notifications.handleTransition(makeDeployment("succeeded"));
    const startedAt = kit.clock.now();

    let closed = false;
    const closing = notifications.close(2_000).then(() => (closed = true));
    await kit.runUntil(() => closed);
    await closing;

    expect(slow.requests).toHaveLength(1);
    expect(results).toEqual(["webhook:sent"]);
    // It ended because the send did, not at its 2 s bound.
    expect(kit.clock.now() - startedAt).toBe(150);
  });

  it("close() is bounded when a receiver hangs, and takes no new events afterwards", async () => {
    const hanging = await kit.receiver("hang");
    const { dispatcher: notifications, logs } = kit.dispatcher({
      on: ["terminal"],
      notifiers: [new SlackNotifier({ url: `${hanging.origin}/services/x`, fetch: trackedFetch })],
      timeoutMs: 5_000,
    });
    notifications.handleTransition(makeDeployment("failed"));
    await hanging.waitFor(1);

    let closed = false;
    const closing = notifications.close(200).then(() => (closed = true));
    await kit.clock.advance(199);
    const closedBeforeBound = closed;
    await kit.clock.advance(1);
    await closing;
    notifications.handleTransition(makeDeployment("failed", { id: "dep_after_close" }));
    await kit.clock.advance(60_000);
    await kit.runUntil(() => true);

    expect(closedBeforeBound).toBe(false);
    expect(closed).toBe(true);
    expect(hanging.requests).toHaveLength(1);
    expect(
      logs.lines().some((line) => line["msg"] === "notifications still pending at shutdown were abandoned"),
    ).toBe(true);
  });

  it("a hanging channel does not hold up another channel", async () => {
    const hanging = await kit.receiver("hang");
    const healthy = await kit.receiver("ok");
    kit.dispatcher(
      {
        on: ["terminal"],
        notifiers: [
          new SlackNotifier({ url: `${hanging.origin}/s`, fetch: trackedFetch, states: ["failed"] }),
          webhook(`${healthy.origin}/w`),
        ],
        timeoutMs: 5_000,
      },
      { concurrency: 1 },
    );

    for (const n of [1, 2, 3])
      kit.dispatchers[0]!.handleTransition(makeDeployment("failed", { id: `dep_${n}` }));
    // Time stands still: the Slack attempt hangs for good while the webhook sends all three.
    await healthy.waitFor(3);
    await hanging.waitFor(1);

    expect(healthy.requests).toHaveLength(3);
    expect(hanging.requests).toHaveLength(1);
    expect(kit.dispatchers[0]!.stats().queued).toBe(2);
  });
});
