import { EventEmitter } from "node:events";
import { vi } from "vitest";
import type { Deployment } from "../../src/domain/index.js";
import {
  NotificationDispatcher,
  WebhookNotifier,
  type DeployEvent,
  type NotificationOutcome,
  type Notifier,
  type NotifierSetup,
} from "../../src/notify/index.js";
import { captureLogs, type CapturedLogs } from "../helpers/capture-logs.js";
import { ManualTimers } from "../helpers/manual-timers.js";
import { startReceiver, type Receiver } from "./notify-test-kit.js";

/** The engine's side of the contract: synchronous listeners called after each transition. */
export class FakeEngine {
  readonly #events = new EventEmitter();
  /** True while listeners run (a notifier called now would run inside the engine's call). */
  emitting = false;
  onTransition(listener: (deployment: Deployment) => void): () => void {
    this.#events.on("transition", listener);
    return () => this.#events.off("transition", listener);
  }
  /** Emits like the engine does: the listeners run synchronously, inside this call. */
  transition(deployment: Deployment): void {
    this.emitting = true;
    try {
      this.#events.emit("transition", deployment);
    } finally {
      this.emitting = false;
    }
  }
}

export interface DispatcherUnderTest {
  readonly dispatcher: NotificationDispatcher;
  readonly logs: CapturedLogs;
  /** `kind:outcome` per finished delivery, in order. */
  readonly results: string[];
}

/**
 * Receivers and dispatchers made in a test file, closed by `closeAll` (call it in afterEach). Every
 * dispatcher runs on the kit's manual clock (`clock`, fresh per test): timeouts, backoff and the
 * bound on `close()` fire only when the test moves it, directly or with `runUntil`.
 */
export interface DispatcherKit {
  readonly dispatchers: NotificationDispatcher[];
  readonly clock: ManualTimers;
  receiver(mode: Receiver["mode"]): Promise<Receiver>;
  dispatcher(
    setup: NotifierSetup,
    extra?: Partial<ConstructorParameters<typeof NotificationDispatcher>[0]>,
  ): DispatcherUnderTest;
  /**
   * Until `condition()` holds: lets every request sent with {@link trackedFetch} either finish or
   * reach its receiver (a hanging receiver holds it), then moves the clock to the next timer.
   */
  runUntil(condition: () => boolean, maxSteps?: number): Promise<void>;
  closeAll(): Promise<void>;
}

const FETCH_ID_HEADER = "x-test-fetch-id";
let fetchSeq = 0;
const unsettledFetches = new Set<string>();

/** `fetch` that tags each request, so the kit can tell "still on the wire" from "at the receiver". */
export const trackedFetch: typeof fetch = (input, init) => {
  fetchSeq += 1;
  const id = String(fetchSeq);
  unsettledFetches.add(id);
  const headers = new Headers(init?.headers);
  headers.set(FETCH_ID_HEADER, id);
  return fetch(input, { ...init, headers }).finally(() => unsettledFetches.delete(id));
};

export function createDispatcherKit(): DispatcherKit {
  const receivers: Receiver[] = [];
  const dispatchers: NotificationDispatcher[] = [];
  let clock = new ManualTimers();
  const arrived = (id: string): boolean =>
    receivers.some((receiver) =>
      receiver.requests.some((request) => request.headers[FETCH_ID_HEADER] === id),
    );
  const ioSettled = (): Promise<void> =>
    vi.waitFor(
      () => {
        if (![...unsettledFetches].every(arrived)) throw new Error("a request is still on the wire");
      },
      { timeout: 5_000, interval: 1 },
    );
  return {
    dispatchers,
    get clock() {
      return clock;
    },
    receiver: async (mode) => {
      const started = await startReceiver(mode);
      receivers.push(started);
      return started;
    },
    dispatcher: (setup, extra = {}) => {
      const logs = captureLogs("debug");
      const results: string[] = [];
      const created = new NotificationDispatcher({
        setup,
        logger: logs.logger,
        backoffMs: 10,
        timers: clock,
        onResult: (kind, outcome: NotificationOutcome) => results.push(`${kind}:${outcome}`),
        ...extra,
      });
      dispatchers.push(created);
      return { dispatcher: created, logs, results };
    },
    runUntil: async (condition, maxSteps = 1_000) => {
      // Quiet: no request on the wire, and nothing new (requests, timers) over a full round.
      const snapshot = (): string => `${String(fetchSeq)}|${clock.pending().join(",")}`;
      for (let step = 0; step < maxSteps; step += 1) {
        let before: string;
        do {
          before = snapshot();
          await ioSettled();
          await clock.advance(0);
        } while (snapshot() !== before);
        if (condition()) return;
        if (clock.pending().length > 0) await clock.advanceToNext();
      }
      throw new Error(`condition not reached in ${String(maxSteps)} steps`);
    },
    closeAll: async () => {
      let closed = false;
      const closing = Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.close(200))).finally(
        () => (closed = true),
      );
      for (let step = 0; !closed && step < 100; step += 1) await clock.advance(100);
      await closing;
      await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
      clock = new ManualTimers();
    },
  };
}

export const webhook = (url: string): WebhookNotifier =>
  new WebhookNotifier({ url, secret: "whsec-0123456789-abcdefghij", fetch: trackedFetch, now: Date.now });

/** A notifier driven by a function (for exact control over timing and failures). */
export function scripted(
  notify: (event: DeployEvent, signal: AbortSignal) => Promise<void>,
): Notifier & { calls: number } {
  const notifier = {
    kind: "webhook" as const,
    name: "scripted",
    calls: 0,
    accepts: () => true,
    notify: (event: DeployEvent, signal: AbortSignal) => {
      notifier.calls += 1;
      return notify(event, signal);
    },
  };
  return notifier;
}
