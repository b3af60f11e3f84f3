import { afterEach, describe, expect, it } from "vitest";
import { createNotifiers, NotificationDispatcher } from "../../src/notify/index.js";
import { createEngineHarness, virtualTimers, type EngineHarness } from "../deploy/manual-harness.js";
import { startReceiver, type Receiver } from "./notify-test-kit.js";

const FRONTEND = "registry.example.com/shop/frontend";
/** Simulated ms per harness ms: `createEngineHarness`'s settings are in harness ms (timeScale 0.02). */
const SIM_MS_PER_HARNESS_MS = 50;

let harness: EngineHarness | undefined;
let dispatcher: NotificationDispatcher | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  if (dispatcher !== undefined) await (harness?.time.drain(dispatcher.close(200)) ?? dispatcher.close(200));
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
    const h = harness;
    let inListener = false;
    let sentFromListener = 0;
    const notifyFetch: typeof fetch = (input, init) => {
      if (inListener) sentFromListener += 1;
      // The 500 webhook's requests hold simulated time while on the wire; the hanging Slack's
      // never end, so they are left untracked (their timeouts fire as simulated time moves).
      const url = input instanceof Request ? input.url : input.toString();
      return url.startsWith(failing.origin) ? h.time.call(() => fetch(input, init)) : fetch(input, init);
    };
    const setup = createNotifiers(
      {
        on: ["start", "terminal"],
        // 5 s in harness ms, as the deployments' settings are.
        timeout: 5_000 * SIM_MS_PER_HARNESS_MS,
        attempts: 3,
        slack: [
          { url: `${hanging.origin}/services/T/B/x`, states: ["preparing", "succeeded", "rolled-back"] },
        ],
        webhooks: [{ url: `${failing.origin}/hook`, secret: "0123456789abcdef0123" }],
        dockerHubCallbacks: true,
      },
      { fetch: notifyFetch, now: h.time.now },
    );
    const notifications = new NotificationDispatcher({
      setup,
      logger: h.logs.logger,
      timers: virtualTimers(h.time),
    });
    dispatcher = notifications;
    let listenerCalls = 0;
    h.engine.onTransition((deployment) => {
      inListener = true;
      try {
        notifications.handleTransition(deployment);
      } finally {
        inListener = false;
      }
      listenerCalls += 1;
    });

    const started = h.time.now();
    const good = await h.settle(h.submit(FRONTEND, "1.1.0").id);
    const bad = await h.settle(
      h.submit(
        FRONTEND,
        "bad-1.2.0",
        {},
        { upgradeTimeoutMs: 1_500, verify: { soakMs: 200, timeoutMs: 1_000 } },
      ).id,
    );
    const elapsedMs = (h.time.now() - started) / SIM_MS_PER_HARNESS_MS;
    await h.time.runUntil(() => failing.requests.length >= 12);

    expect(good.state).toBe("succeeded");
    expect(bad.state).toBe("rolled-back");
    // Blocking on the hanging Slack alone would take 3 × 5 s per notification.
    expect(elapsedMs).toBeLessThan(10_000);
    expect(listenerCalls).toBeGreaterThan(8);
    // The listener only queues: no delivery ever started inside the engine's call.
    expect(sentFromListener).toBe(0);
    expect(hanging.requests.length).toBeGreaterThanOrEqual(2);
    const states = failing.requests.map(
      (request) => JSON.parse(request.rawBody.toString("utf8")).deployment.state,
    );
    expect([...new Set(states)].sort()).toEqual(["preparing", "rolled-back", "succeeded"]);
  });
});
