import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import {
  POLL_INTERVAL_MS,
  POLL_INTERVAL_WITH_EVENTS_MS,
  waitForService,
  type ChangeFeed,
  type ChangeListener,
  type WaitForServiceOptions,
} from "../../src/backend/index.js";
import {
  RancherTimeoutError,
  ResourceEvents,
  type ResourceChange,
  type Service,
  type ServiceRef,
} from "../../src/rancher/index.js";
import { ManualTimers } from "../helpers/manual-timers.js";
import { startClientKit, upgradeTo, type ClientKit } from "../rancher/rancher-kit.js";

const FRONTEND = "registry.example.com/shop/frontend";

const opened: ResourceEvents[] = [];
afterEach(() => {
  for (const events of opened.splice(0)) events.close();
});

/** Waits for I/O (the socket, the simulator's answers) to get somewhere; time does not move. */
async function until(condition: () => boolean, what: string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error(`timed out waiting for ${what}`);
    },
    { timeout: 15_000, interval: 2 },
  );
}

function eventsFor(
  kit: ClientKit,
  clock: ManualTimers,
  options: { url?: string; minReconnectMs?: number } = {},
): ResourceEvents {
  const events = new ResourceEvents({
    url: options.url ?? kit.client.subscribeUrl("1a5"),
    authorization: kit.client.authorization,
    logger: kit.logs.logger,
    timers: clock,
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

/**
 * What one wait does, on drover's manual clock: every `getService` and every sleep it asks for (in
 * ms), in order. `idle()`: no GET in flight and the last thing it did was to go to sleep.
 */
interface Waiter {
  readonly options: WaitForServiceOptions;
  readonly asked: number[];
  idle(): boolean;
}

function waiter(
  kit: ClientKit,
  ref: ServiceRef,
  clock: ManualTimers,
  extra: Partial<WaitForServiceOptions>,
): Waiter {
  const asked: number[] = [];
  let last: "get" | "sleep" | undefined;
  let inFlight = 0;
  const client = new Proxy(kit.client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property !== "getService" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        last = "get";
        inFlight += 1;
        try {
          return (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as Service;
        } finally {
          inFlight -= 1;
        }
      };
    },
  });
  return {
    asked,
    idle: () => inFlight === 0 && last === "sleep",
    options: {
      client,
      ref,
      until: (service) => service.state === "upgraded",
      expected: "upgraded",
      deadlineAt: clock.now() + 60_000,
      now: clock.now,
      sleep: (ms) => {
        last = "sleep";
        asked.push(ms);
        return clock.sleep(ms);
      },
      logger: kit.logs.logger,
      ...extra,
    },
  };
}

/** Settles `promise`'s outcome into a flag the test can poll. */
function watch<T>(promise: Promise<T>): { readonly done: () => boolean; readonly result: Promise<T> } {
  let done = false;
  const result = promise.finally(() => {
    done = true;
  });
  result.catch(() => undefined);
  return { done: () => done, result };
}

describe("waitForService", () => {
  it("resolves on the websocket event, without waiting out the poll interval", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const clock = new ManualTimers();
    const startedAt = clock.now();
    const events = eventsFor(kit, clock);
    const w = waiter(kit, ref, clock, { events, pollIntervalMs: 30_000 });
    const waiting = waitForService(w.options);
    await until(() => events.connected && w.idle(), "the socket and the first poll");
    const getsBefore = serviceGets(kit, ref);

    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
    );
    const service = await waiting;

    expect(service.state).toBe("upgraded");
    // Drover's clock never moved: the 30 s poll interval was not waited out, the event did it.
    expect(clock.now()).toBe(startedAt);
    expect(w.asked).not.toHaveLength(0);
    expect(new Set(w.asked)).toEqual(new Set([30_000]));
    // Noticed from the event itself: no GET of the service after the transition.
    expect(serviceGets(kit, ref)).toBe(getsBefore);
  });

  it("with the simulator on a real clock: resolves from the upgraded event itself", async () => {
    // timeScale 1: the simulator's clock is the wall clock, so the upgrade completes on its own.
    const kit = await startClientKit({
      clock: "real",
      timeScale: 1,
      timing: { pullMs: 20, startMs: 20, stopMs: 20 },
    });
    const ref = await kit.client.resolveService("shop", "worker");
    const clock = new ManualTimers();
    const startedAt = clock.now();
    const events = eventsFor(kit, clock);
    const upgradedEvents: number[] = [];
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
        upgradedEvents.push(event.time);
    });
    await until(() => observer.readyState === WebSocket.OPEN, "the observer socket");
    const w = waiter(kit, ref, clock, { events, pollIntervalMs: 30_000 });
    const waiting = waitForService(w.options);
    await until(() => events.connected && w.idle(), "the socket and the first poll");
    const getsBefore = serviceGets(kit, ref);
    const body = upgradeTo(await kit.client.getService(ref), "registry.example.com/shop/worker:2.0.0");
    await kit.client.performAction(ref, "upgrade", body, () => false);

    const service = await waiting;
    await until(() => upgradedEvents.length > 0, "the observer to see the event");
    observer.close();

    expect(service.state).toBe("upgraded");
    expect(clock.now()).toBe(startedAt);
    // The test's own GET before the upgrade is the only one: the waiter did not poll.
    expect(serviceGets(kit, ref)).toBe(getsBefore + 1);
  });

  it("falls back to polling every second when the websocket cannot connect", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const clock = new ManualTimers();
    const events = eventsFor(kit, clock, {
      url: "ws://127.0.0.1:9/v2-beta/projects/1a5/subscribe",
      minReconnectMs: 60_000,
    });
    const w = waiter(kit, ref, clock, { events });
    const waiting = watch(waitForService(w.options));
    for (let poll = 0; poll < 3; poll += 1) {
      await until(() => w.idle(), "the next poll");
      await clock.advance(POLL_INTERVAL_MS);
    }
    await until(() => serviceGets(kit, ref) >= 3, "three polls");

    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
    );
    while (!waiting.done()) {
      await until(() => w.idle() || waiting.done(), "the next poll");
      if (!waiting.done()) await clock.advance(POLL_INTERVAL_MS);
    }
    const service = await waiting.result;

    expect(service.state).toBe("upgraded");
    expect(events.connected).toBe(false);
    expect(w.asked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(w.asked)).toEqual(new Set([POLL_INTERVAL_MS]));
  });

  it("polls on disconnect and falls back to fast polling while the socket is down", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const clock = new ManualTimers();
    const events = eventsFor(kit, clock, { minReconnectMs: 60_000 });
    const w = waiter(kit, ref, clock, { events });
    const waiting = watch(waitForService(w.options));
    await until(
      () => events.connected && w.idle() && w.asked.includes(POLL_INTERVAL_WITH_EVENTS_MS),
      "a wait with events up",
    );
    const getsWhileUp = serviceGets(kit, ref);

    expect(kit.sim.control.disconnectSubscribers()).toBe(1);
    await until(() => !events.connected, "the socket to close");
    const askedBeforeDown = w.asked.length;
    await until(() => w.idle() && serviceGets(kit, ref) > getsWhileUp, "the poll on disconnect");
    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
    );
    while (!waiting.done()) {
      await until(() => w.idle() || waiting.done(), "the next poll");
      if (!waiting.done()) await clock.advance(POLL_INTERVAL_MS);
    }
    const service = await waiting.result;

    expect(service.state).toBe("upgraded");
    expect(w.asked.slice(askedBeforeDown)).not.toHaveLength(0);
    expect(w.asked.slice(askedBeforeDown).every((ms) => ms === POLL_INTERVAL_MS)).toBe(true);
    expect(kit.sim.control.subscriberCount()).toBe(0);
  });

  it("polls after a reconnect, catching a change made while the socket was down", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const clock = new ManualTimers();
    const startedAt = clock.now();
    const events = eventsFor(kit, clock, { minReconnectMs: 300 });
    const w = waiter(kit, ref, clock, { events, pollIntervalMs: 60_000 });
    const waiting = waitForService(w.options);
    await until(() => events.connected && w.idle(), "the socket and the first poll");

    kit.sim.control.disconnectSubscribers();
    const getsAtDisconnect = serviceGets(kit, ref);
    await until(
      () => !events.connected && w.idle() && serviceGets(kit, ref) > getsAtDisconnect,
      "the poll on disconnect",
    );
    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
    );
    // The reconnect backoff (300 ms) passes; the 60 s poll interval does not.
    await clock.advance(300);
    const service = await waiting;

    expect(service.state).toBe("upgraded");
    expect(events.connected).toBe(true);
    expect(kit.sim.control.subscriberCount()).toBe(1);
    expect(clock.now() - startedAt).toBe(300);
  });

  it("throws RancherTimeoutError at the deadline with the last state seen", async () => {
    const kit = await startClientKit();
    const ref = await startUpgrade(kit, "2.0.0");
    const clock = new ManualTimers();
    const started = clock.now();
    const w = waiter(kit, ref, clock, { deadlineAt: started + 300, pollIntervalMs: 50 });

    const waiting = watch(waitForService(w.options));
    while (!waiting.done()) {
      await until(() => w.idle() || waiting.done(), "the next poll");
      if (!waiting.done()) await clock.advanceToNext();
    }
    const error = await waiting.result.catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherTimeoutError);
    expect(error).toMatchObject({ expected: "upgraded", lastState: "upgrading" });
    expect((error as RancherTimeoutError).waitedMs).toBeGreaterThanOrEqual(300);
    expect(clock.now() - started).toBeGreaterThanOrEqual(300);
    expect(new Set(w.asked)).toEqual(new Set([50]));
  });

  it("reports transitioning: error through onObserve and keeps waiting until the upgrade completes", async () => {
    const kit = await startClientKit();
    kit.sim.control.behaviours.add({ tag: "2.0.0", pullFails: true });
    const ref = await startUpgrade(kit, "2.0.0");
    const clock = new ManualTimers();
    const events = eventsFor(kit, clock);
    const observed: Service[] = [];
    const sim = kit.sim.control;
    const w = waiter(kit, ref, clock, {
      events,
      pollIntervalMs: 20,
      onObserve: (service) => observed.push(service),
    });
    const waiting = watch(waitForService(w.options));
    await until(() => events.connected && w.idle(), "the socket and the first poll");

    await sim.clock.advanceUntil(() => sim.service(ref.serviceId)["transitioning"] === "error");
    await until(
      () => observed.some((service) => service.transitioning === "error"),
      "the error to be observed",
    );
    const waitingAfterError = !waiting.done();
    sim.behaviours.clear();
    await sim.clock.advanceUntil(() => sim.service(ref.serviceId)["state"] === "upgraded");
    while (!waiting.done()) {
      await until(() => w.idle() || waiting.done(), "the next poll");
      if (!waiting.done()) await clock.advance(20);
    }
    const service = await waiting.result;

    expect(waitingAfterError).toBe(true);
    expect(service.state).toBe("upgraded");
    const failed = observed.find((s) => s.transitioning === "error");
    expect(failed?.state).toBe("upgrading");
    expect(failed?.transitioningMessage).toMatch(/manifest for .*:2\.0\.0 not found/);
  });
});

describe("waitForService with a change feed that delivers several events at once", () => {
  it("judges every event in order: a state that lasted only until the next event is not skipped", async () => {
    const clock = new ManualTimers();
    const listeners: ChangeListener[] = [];
    const feed: ChangeFeed = {
      connected: true,
      subscribe(listener) {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
    };
    const ref = { projectId: "1a5", serviceId: "1s1" };
    const at = (state: string, image: string): Service => ({
      id: "1s1",
      type: "service",
      state,
      links: {},
      actions: {},
      launchConfig: { imageUuid: `docker:${image}` },
    });
    let gets = 0;
    const waiting = waitForService({
      client: {
        getService: () => {
          gets += 1;
          return Promise.resolve(at("finishing-upgrade", "shop/worker:9.5.0"));
        },
      },
      ref,
      events: feed,
      until: (service) => service.state === "active",
      expected: "active",
      deadlineAt: clock.now() + 60_000,
      now: clock.now,
      sleep: (ms) => clock.sleep(ms),
      logger: pino({ level: "silent" }),
    });
    await vi.waitFor(() => {
      if (gets === 0) throw new Error("no first poll yet");
    });
    // The finish completes and another actor upgrades at once: both events arrive before the waiter looks.
    const change = (service: Service): ResourceChange => ({
      resourceId: "1s1",
      resourceType: "service",
      resource: { ...service },
    });
    for (const listener of [...listeners]) {
      listener(change(at("active", "shop/worker:9.5.0")));
      listener(change(at("upgrading", "shop/worker:9.6.0")));
    }
    const service = await waiting;

    expect(service.state).toBe("active");
    expect(service.launchConfig?.imageUuid).toBe("docker:shop/worker:9.5.0");
    expect(gets).toBe(1);
  });
});
