import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SlackNotifier } from "../../src/notify/index.js";
import { createDispatcherKit, scripted, webhook } from "./dispatcher-test-kit.js";
import { makeDeployment, sleep } from "./notify-test-kit.js";

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
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    await sleep(50);

    expect(seen.sort()).toEqual(["finished:succeeded", "finished:succeeded", "started:preparing"]);
  });

  it("drops the oldest delivery with a warn log when the queue is full", async () => {
    const seen: string[] = [];
    const slow = scripted(async (event) => {
      seen.push(event.deploymentId);
      await sleep(100);
    });
    const { logs, results } = kit.dispatcher(
      { on: ["terminal"], notifiers: [slow] },
      { maxQueue: 2, concurrency: 1 },
    );

    for (const n of [1, 2, 3, 4])
      kit.dispatchers[0]!.handleTransition(makeDeployment("failed", { id: `dep_${n}` }));
    await vi.waitFor(() => expect(results).toHaveLength(4), { timeout: 5_000 });

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
      await sleep(150);
      await fetch(`${slow.origin}/${event.deploymentId}`, { method: "POST", signal });
    });
    const { dispatcher: notifications, results } = kit.dispatcher({ on: ["terminal"], notifiers: [delayed] });
    notifications.handleTransition(makeDeployment("succeeded"));

    await notifications.close(2_000);

    expect(slow.requests).toHaveLength(1);
    expect(results).toEqual(["webhook:sent"]);
  });

  it("close() is bounded when a receiver hangs, and takes no new events afterwards", async () => {
    const hanging = await kit.receiver("hang");
    const { dispatcher: notifications, logs } = kit.dispatcher({
      on: ["terminal"],
      notifiers: [new SlackNotifier({ url: `${hanging.origin}/services/x`, fetch })],
      timeoutMs: 5_000,
    });
    notifications.handleTransition(makeDeployment("failed"));
    await hanging.waitFor(1);

    const started = performance.now();
    await notifications.close(200);
    const waited = performance.now() - started;
    notifications.handleTransition(makeDeployment("failed", { id: "dep_after_close" }));
    await sleep(50);

    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(1_500);
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
          new SlackNotifier({ url: `${hanging.origin}/s`, fetch, states: ["failed"] }),
          webhook(`${healthy.origin}/w`),
        ],
        timeoutMs: 5_000,
      },
      { concurrency: 1 },
    );

    for (const n of [1, 2, 3])
      kit.dispatchers[0]!.handleTransition(makeDeployment("failed", { id: `dep_${n}` }));
    await healthy.waitFor(3, 5_000);

    expect(hanging.requests).toHaveLength(1);
    expect(kit.dispatchers[0]!.stats().queued).toBe(2);
  });
});
