import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  POLL_INTERVAL_MS,
  POLL_INTERVAL_WITH_EVENTS_MS,
  waitForService,
  type WaitForServiceOptions,
} from "../../src/backend/index.js";
import {
  RancherTimeoutError,
  ResourceEvents,
  type Service,
  type ServiceRef,
} from "../../src/rancher/index.js";
import { startClientKit, upgradeTo, type ClientKit } from "../rancher/rancher-kit.js";

const FRONTEND = "registry.example.com/shop/frontend";

const opened: ResourceEvents[] = [];
afterEach(() => {
  for (const events of opened.splice(0)) events.close();
});

/** Real-time sleep whose timer never keeps the process alive. */
const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await realSleep(2);
  }
}

function eventsFor(kit: ClientKit, options: { url?: string; minReconnectMs?: number } = {}): ResourceEvents {
  const events = new ResourceEvents({
    url: options.url ?? kit.client.subscribeUrl("1a5"),
    authorization: kit.client.authorization,
    logger: kit.logs.logger,
    ...(options.minReconnectMs === undefined ? {} : { minReconnectMs: options.minReconnectMs }),
  });
  opened.push(events);
  return events;
}

/** Starts an upgrade of frontend to `tag` (the service is `upgrading` afterwards, on the manual clock). */
async function startUpgrade(kit: ClientKit, tag: string): Promise<ServiceRef> {
  const ref = await kit.client.resolveService("shop", "frontend");
  const body = upgradeTo(await kit.client.getService(ref), `${FRONTEND}:${tag}`);
  await kit.client.performAction(ref, "upgrade", body, () => false);
  return ref;
}

function serviceGets(kit: ClientKit, ref: ServiceRef): number {
  return kit
    .requests()
    .filter((request) => request.method === "GET" && request.path.endsWith(`/services/${ref.serviceId}`))
    .length;
}

function options(
  kit: ClientKit,
  ref: ServiceRef,
  extra: Partial<WaitForServiceOptions>,
): WaitForServiceOptions {
  return {
    client: kit.client,
    ref,
    until: (service) => service.state === "upgraded",
    expected: "upgraded",
    deadlineAt: Date.now() + 60_000,
    now: Date.now,
    sleep: realSleep,
    logger: kit.logs.logger,
    ...extra,
  };
}

describe("waitForService", () => {
  it("resolves on the websocket event within milliseconds, far below the poll interval", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const events = eventsFor(kit);
    const pollIntervalMs = 30_000;
    let resolvedAt: number | undefined;
    const waiting = waitForService(options(kit, ref, { events, pollIntervalMs })).then((service) => {
      resolvedAt = performance.now();
      return service;
    });
    await until(() => events.connected && serviceGets(kit, ref) >= 1, "the socket and the first poll");
    await realSleep(20);
    const getsBefore = serviceGets(kit, ref);

    let transitionAt: number | undefined;
    await kit.sim.control.clock.advanceUntil(() => {
      const upgraded = kit.sim.control.service(ref.serviceId)["state"] === "upgraded";
      if (upgraded) transitionAt ??= performance.now();
      return upgraded;
    });
    const service = await waiting;

    // transitionAt is taken one setImmediate after the simulator's timer fired; the socket frame
    // can be read in the same loop turn, so the signed gap may be slightly negative.
    const signedGapMs = (resolvedAt ?? Number.NaN) - (transitionAt ?? Number.NaN);
    const gapMs = Math.max(0, signedGapMs);
    console.log(
      `event detection: resolved ${signedGapMs.toFixed(2)} ms after the transition was seen (poll interval ${pollIntervalMs} ms)`,
    );
    expect(service.state).toBe("upgraded");
    expect(gapMs).toBeLessThan(250);
    expect(gapMs).toBeLessThan(pollIntervalMs / 100);
    // Noticed from the event itself: no GET of the service after the transition.
    expect(serviceGets(kit, ref)).toBe(getsBefore);
  });

  it("on a real clock: resolves within milliseconds of the event's own timestamp", async () => {
    // timeScale 1: the simulator's clock is the wall clock, so an event's `time` is when it happened.
    const kit = await startClientKit({
      clock: "real",
      timeScale: 1,
      timing: { pullMs: 20, startMs: 20, stopMs: 20 },
    });
    const ref = await kit.client.resolveService("shop", "worker");
    const events = eventsFor(kit);
    const upgradedAt: number[] = [];
    const observer = new WebSocket(kit.client.subscribeUrl("1a5"), {
      headers: { authorization: kit.client.authorization },
    });
    observer.on("message", (data: Buffer) => {
      const event = JSON.parse(data.toString("utf8")) as {
        resourceId?: string;
        time: number;
        data?: { resource?: { state?: string } };
      };
      if (event.resourceId === ref.serviceId && event.data?.resource?.state === "upgraded")
        upgradedAt.push(event.time);
    });
    await until(() => observer.readyState === WebSocket.OPEN, "the observer socket");
    const pollIntervalMs = 30_000;
    const waiting = waitForService(options(kit, ref, { events, pollIntervalMs }));
    await until(() => events.connected, "the socket");
    const body = upgradeTo(await kit.client.getService(ref), "registry.example.com/shop/worker:2.0.0");
    await kit.client.performAction(ref, "upgrade", body, () => false);

    const service = await waiting;
    const resolvedAt = Date.now();
    observer.close();

    const gapMs = resolvedAt - (upgradedAt[0] ?? Number.NaN);
    console.log(
      `event detection (real clock): ${gapMs} ms after the transition (poll interval ${pollIntervalMs} ms)`,
    );
    expect(service.state).toBe("upgraded");
    expect(gapMs).toBeGreaterThanOrEqual(0);
    expect(gapMs).toBeLessThan(250);
  });

  it("falls back to polling every second when the websocket cannot connect", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const events = eventsFor(kit, {
      url: "ws://127.0.0.1:9/v2-beta/projects/1a5/subscribe",
      minReconnectMs: 60_000,
    });
    const asked: number[] = [];
    const waiting = waitForService(
      options(kit, ref, {
        events,
        sleep: (ms) => {
          asked.push(ms);
          return realSleep(10);
        },
      }),
    );
    await until(() => serviceGets(kit, ref) >= 3, "three polls");

    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
    );
    const service = await waiting;

    expect(service.state).toBe("upgraded");
    expect(events.connected).toBe(false);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(asked)).toEqual(new Set([POLL_INTERVAL_MS]));
  });

  it("polls on disconnect and falls back to fast polling while the socket is down", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const events = eventsFor(kit, { minReconnectMs: 60_000 });
    const asked: number[] = [];
    const waiting = waitForService(
      options(kit, ref, {
        events,
        // Real time, 20× faster than asked, so the test can tell the intervals apart.
        sleep: (ms) => {
          asked.push(ms);
          return realSleep(ms / 20);
        },
      }),
    );
    await until(
      () => events.connected && asked.includes(POLL_INTERVAL_WITH_EVENTS_MS),
      "a wait with events up",
    );

    expect(kit.sim.control.disconnectSubscribers()).toBe(1);
    await until(() => !events.connected, "the socket to close");
    const askedBeforeDown = asked.length;
    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
    );
    const service = await waiting;

    expect(service.state).toBe("upgraded");
    expect(asked.slice(askedBeforeDown).every((ms) => ms === POLL_INTERVAL_MS)).toBe(true);
    expect(kit.sim.control.subscriberCount()).toBe(0);
  });

  it("polls after a reconnect, catching a change made while the socket was down", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const events = eventsFor(kit, { minReconnectMs: 300 });
    const started = performance.now();
    const waiting = waitForService(options(kit, ref, { events, pollIntervalMs: 60_000 }));
    await until(() => events.connected && serviceGets(kit, ref) >= 1, "the socket and the first poll");
    await realSleep(20);

    kit.sim.control.disconnectSubscribers();
    const getsAtDisconnect = serviceGets(kit, ref);
    await until(
      () => !events.connected && serviceGets(kit, ref) > getsAtDisconnect,
      "the poll on disconnect",
    );
    await realSleep(20);
    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
    );
    const service = await waiting;

    expect(service.state).toBe("upgraded");
    expect(events.connected).toBe(true);
    expect(kit.sim.control.subscriberCount()).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("throws RancherTimeoutError at the deadline with the last state seen", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const started = Date.now();

    const error = await waitForService(
      options(kit, ref, { deadlineAt: started + 300, pollIntervalMs: 50 }),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherTimeoutError);
    expect(error).toMatchObject({ expected: "upgraded", lastState: "upgrading" });
    expect((error as RancherTimeoutError).waitedMs).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("reports transitioning: error through onObserve and keeps waiting until the upgrade completes", async () => {
    const kit = await startClientKit();
    kit.sim.control.behaviours.add({ tag: "2.0.0", pullFails: true });
    const ref = await startUpgrade(kit, "2.0.0");
    const events = eventsFor(kit);
    const observed: Service[] = [];
    const sim = kit.sim.control;
    const waiting = waitForService(
      options(kit, ref, {
        events,
        now: () => sim.clock.now(),
        deadlineAt: sim.clock.now() + 120_000,
        pollIntervalMs: 20,
        onObserve: (service) => observed.push(service),
      }),
    );

    await sim.clock.advanceUntil(() => sim.service(ref.serviceId)["transitioning"] === "error");
    await until(
      () => observed.some((service) => service.transitioning === "error"),
      "the error to be observed",
    );
    sim.behaviours.clear();
    await sim.clock.advanceUntil(() => sim.service(ref.serviceId)["state"] === "upgraded");
    const service = await waiting;

    expect(service.state).toBe("upgraded");
    const failed = observed.find((s) => s.transitioning === "error");
    expect(failed?.state).toBe("upgrading");
    expect(failed?.transitioningMessage).toMatch(/manifest for .*:2\.0\.0 not found/);
  });
});
