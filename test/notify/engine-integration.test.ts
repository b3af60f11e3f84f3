import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { createNotifiers, NotificationDispatcher } from "../../src/notify/index.js";
import { createEngineHarness, type EngineHarness } from "../helpers/engine-harness.js";
import { startReceiver, type Receiver } from "./notify-test-kit.js";

const FRONTEND = "registry.example.com/shop/frontend";

let harness: EngineHarness | undefined;
let dispatcher: NotificationDispatcher | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await dispatcher?.close(200);
  await harness?.close();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  harness = undefined;
  dispatcher = undefined;
});

describe("notifications with the real engine", () => {
  it("a hanging Slack and a 500 webhook do not delay or fail deployments", async () => {
    const hanging = await startReceiver("hang");
    const failing = await startReceiver(500);
    receivers.push(hanging, failing);
    harness = await createEngineHarness();
    const setup = createNotifiers(
      {
        on: ["start", "terminal"],
        timeout: 5_000,
        attempts: 3,
        slack: [
          { url: `${hanging.origin}/services/T/B/x`, states: ["preparing", "succeeded", "rolled-back"] },
        ],
        webhooks: [{ url: `${failing.origin}/hook`, secret: "0123456789abcdef0123" }],
        dockerHubCallbacks: true,
      },
      { fetch, now: Date.now },
    );
    const notifications = new NotificationDispatcher({ setup, logger: harness.logs.logger });
    dispatcher = notifications;
    const listenerMs: number[] = [];
    harness.engine.onTransition((deployment) => {
      const started = performance.now();
      notifications.handleTransition(deployment);
      listenerMs.push(performance.now() - started);
    });

    const started = performance.now();
    const good = await harness.settle(harness.submit(FRONTEND, "1.1.0").id);
    const bad = await harness.settle(
      harness.submit(
        FRONTEND,
        "bad-1.2.0",
        {},
        { upgradeTimeoutMs: 1_500, verify: { soakMs: 200, timeoutMs: 1_000 } },
      ).id,
    );
    const elapsedMs = performance.now() - started;
    await failing.waitFor(12, 10_000);

    expect(good.state).toBe("succeeded");
    expect(bad.state).toBe("rolled-back");
    // Blocking on the hanging Slack alone would take 3 × 5 s per notification.
    expect(elapsedMs).toBeLessThan(10_000);
    expect(listenerMs.length).toBeGreaterThan(8);
    expect(Math.max(...listenerMs)).toBeLessThan(10);
    expect(hanging.requests.length).toBeGreaterThanOrEqual(2);
    const states = failing.requests.map(
      (request) => JSON.parse(request.rawBody.toString("utf8")).deployment.state,
    );
    expect([...new Set(states)].sort()).toEqual(["preparing", "rolled-back", "succeeded"]);
  });
});
