import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { isTerminal, type Deployment } from "../domain/index.js";
import { createDeployEvent, type DeployEvent } from "./deploy-event.js";
import { asNotificationError, attemptDelivery, untilAborted } from "./attempt-delivery.js";
import { NOTIFY_ERR } from "./notification-error.js";
import type { Notifier, NotifierKind } from "./notifier.js";
import { realTimers, sleepOn, type Timers } from "../domain/index.js";

export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;
export const DEFAULT_NOTIFY_ATTEMPTS = 3;
export const DEFAULT_NOTIFY_BACKOFF_MS = 500;
export const DEFAULT_NOTIFY_QUEUE_SIZE = 100;
export const DEFAULT_NOTIFY_CONCURRENCY = 2;
export const DEFAULT_NOTIFY_CLOSE_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 10_000;

/** What the config says to send (rebuilt by `createNotifiers` on every config reload). */
export interface NotifierSetup {
  /** `terminal` always; `start` adds events when a deployment enters `preparing`. */
  readonly on: readonly ("start" | "terminal")[];
  readonly notifiers: readonly Notifier[];
  /** Per attempt. Default 5 s. */
  readonly timeoutMs?: number;
  /** Attempts per delivery, first included. Default 3. */
  readonly attempts?: number;
}

/** How one delivery ended: metrics label values. */
export type NotificationOutcome = "sent" | "failed" | "refused" | "dropped";

export interface NotificationDispatcherOptions {
  readonly setup: NotifierSetup;
  readonly logger: Logger;
  /** First retry delay; doubled per attempt, capped at 10 s. A 429's Retry-After wins. */
  readonly backoffMs?: number;
  /** Per notifier: deliveries waiting beyond this drop the oldest (warn log). Default 100. */
  readonly maxQueue?: number;
  /** Per notifier: deliveries in flight at once. Default 2. */
  readonly concurrency?: number;
  /** Longest `close()` waits for pending deliveries. Default 5 s. */
  readonly closeTimeoutMs?: number;
  /** Attempt timeouts, retry backoff and the bound on `close()`. Default: real timers. */
  readonly timers?: Timers;
  /** Backoff waits. Default: a timer of `timers`. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch ms (durations in logs). Default: `timers.now`. */
  readonly now?: () => number;
  readonly randomId?: () => string;
  /** Called once per delivery with its final outcome (e.g. metrics). Must not throw. */
  readonly onResult?: (kind: NotifierKind, outcome: NotificationOutcome) => void;
}

interface Job {
  readonly event: DeployEvent;
  readonly notifier: Notifier;
  readonly timeoutMs: number;
  readonly attempts: number;
}

/** Each notifier has its own queue and slots, so one hanging channel cannot starve the others. */
interface Lane {
  readonly queue: Job[];
  active: number;
}

/**
 * Fans deployment events out to notifiers without ever blocking or failing the engine:
 * `handleTransition` only builds the event and queues it (it returns synchronously and never
 * throws); deliveries run later, at most `concurrency` at once per notifier, each attempt bounded
 * by the timeout and retried with backoff on network errors, timeouts, 408, 429 and 5xx (not on
 * other 4xx, redirects or refusals). Each notifier's queue is bounded: when full its oldest
 * delivery is dropped. A hanging or failing channel never holds up another channel.
 */
export class NotificationDispatcher {
  #setup: NotifierSetup;
  readonly #log: Logger;
  readonly #backoffMs: number;
  readonly #maxQueue: number;
  readonly #concurrency: number;
  readonly #closeTimeoutMs: number;
  readonly #timers: Timers;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #randomId: () => string;
  readonly #onResult: NotificationDispatcherOptions["onResult"];
  readonly #lanes = new Map<Notifier, Lane>();
  readonly #abort = new AbortController();
  readonly #idleWaiters: (() => void)[] = [];
  #scheduled = false;
  #closed = false;
  #dropped = 0;

  constructor(options: NotificationDispatcherOptions) {
    this.#setup = options.setup;
    this.#log = options.logger.child({ component: "notify" });
    this.#backoffMs = options.backoffMs ?? DEFAULT_NOTIFY_BACKOFF_MS;
    this.#maxQueue = Math.max(1, options.maxQueue ?? DEFAULT_NOTIFY_QUEUE_SIZE);
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_NOTIFY_CONCURRENCY);
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_NOTIFY_CLOSE_TIMEOUT_MS;
    const timers = options.timers ?? realTimers;
    this.#timers = timers;
    this.#sleep = options.sleep ?? ((ms) => sleepOn(timers, ms));
    this.#now = options.now ?? (() => timers.now());
    this.#randomId = options.randomId ?? randomUUID;
    this.#onResult = options.onResult;
  }

  /** Replaces the notifiers (config reload). Deliveries already queued keep their notifier. */
  configure(setup: NotifierSetup): void {
    this.#setup = setup;
  }

  /**
   * The engine listener: pass it to `engine.onTransition`, or call it from `onEvent` for
   * `transition` events with the detail. Synchronous, never throws, does no I/O.
   */
  readonly handleTransition = (deployment: Deployment, detail?: string): void => {
    try {
      if (this.#closed) return;
      const setup = this.#setup;
      const kind = isTerminal(deployment.state)
        ? "finished"
        : deployment.state === "preparing" && setup.on.includes("start")
          ? "started"
          : undefined;
      if (kind === undefined || setup.notifiers.length === 0) return;
      const event = createDeployEvent({
        deployment,
        kind,
        eventId: this.#randomId(),
        ...(detail === undefined ? {} : { detail }),
      });
      for (const notifier of setup.notifiers) {
        if (!this.#accepts(notifier, event)) continue;
        this.#enqueue({
          event,
          notifier,
          timeoutMs: setup.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS,
          attempts: Math.max(1, setup.attempts ?? DEFAULT_NOTIFY_ATTEMPTS),
        });
      }
      this.#schedule();
    } catch (error) {
      this.#log.error({ err: error, deploymentId: deployment.id }, "notification dispatch failed");
    }
  };

  #accepts(notifier: Notifier, event: DeployEvent): boolean {
    try {
      return notifier.accepts(event);
    } catch (error) {
      this.#log.error({ err: error, notifier: notifier.name }, "notification dispatch failed");
      return false;
    }
  }

  /** Deliveries waiting, being sent (including backoff waits), and dropped so far. */
  stats(): { readonly queued: number; readonly inFlight: number; readonly dropped: number } {
    let queued = 0;
    let inFlight = 0;
    for (const lane of this.#lanes.values()) {
      queued += lane.queue.length;
      inFlight += lane.active;
    }
    return { queued, inFlight, dropped: this.#dropped };
  }

  /**
   * Stops taking events and waits up to `timeoutMs` (default `closeTimeoutMs`) for queued and
   * in-flight deliveries; then abandons the rest (warn log) and returns. Idempotent.
   */
  async close(timeoutMs = this.#closeTimeoutMs): Promise<void> {
    this.#closed = true;
    let timer: unknown;
    const expired = new Promise<boolean>((resolve) => {
      timer = this.#timers.setTimeout(() => resolve(true), timeoutMs);
    });
    const timedOut = await Promise.race([this.#whenIdle().then(() => false), expired]);
    this.#timers.clearTimeout(timer);
    if (!timedOut) return;
    const abandoned = [...this.#lanes.values()].flatMap((lane) => lane.queue.splice(0));
    for (const job of abandoned) this.#report(job, "dropped");
    this.#log.warn(
      { queued: abandoned.length, inFlight: this.stats().inFlight },
      "notifications still pending at shutdown were abandoned",
    );
    this.#abort.abort();
    await this.#whenIdle();
  }

  #enqueue(job: Job): void {
    let lane = this.#lanes.get(job.notifier);
    if (lane === undefined) {
      lane = { queue: [], active: 0 };
      this.#lanes.set(job.notifier, lane);
    }
    if (lane.queue.length >= this.#maxQueue) {
      const oldest = lane.queue.shift();
      if (oldest !== undefined) {
        this.#dropped += 1;
        this.#report(oldest, "dropped");
        this.#log.warn(
          { ...fields(oldest), maxQueue: this.#maxQueue, dropped: this.#dropped },
          "notification queue full, dropped the oldest",
        );
      }
    }
    lane.queue.push(job);
  }

  /** Deliveries start on a later turn of the event loop, never inside the engine's call. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    for (const [notifier, lane] of this.#lanes) {
      while (lane.active < this.#concurrency && lane.queue.length > 0) {
        const job = lane.queue.shift() as Job;
        lane.active += 1;
        void this.#deliver(job).finally(() => {
          lane.active -= 1;
          this.#pump();
        });
      }
      // Lanes of notifiers replaced by a config reload go away once drained.
      if (lane.active === 0 && lane.queue.length === 0) this.#lanes.delete(notifier);
    }
    this.#checkIdle();
  }

  async #deliver(job: Job): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const started = this.#now();
      try {
        await attemptDelivery({ ...job, shutdown: this.#abort.signal, timers: this.#timers });
        this.#log.debug({ ...fields(job), attempt, durationMs: this.#now() - started }, "notification sent");
        this.#report(job, "sent");
        return;
      } catch (error) {
        const failure = asNotificationError(error);
        const err = { code: failure.code, message: failure.message, httpStatus: failure.httpStatus };
        if (!failure.retryable || attempt >= job.attempts || this.#abort.signal.aborted) {
          this.#log.warn({ ...fields(job), attempts: attempt, err }, "notification not delivered");
          this.#report(job, failure.code === NOTIFY_ERR.REFUSED ? "refused" : "failed");
          return;
        }
        const delayMs =
          failure.retryAfterMs ?? Math.min(this.#backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
        this.#log.warn({ ...fields(job), attempt, retryInMs: delayMs, err }, "notification failed, retrying");
        await untilAborted(this.#sleep(delayMs), this.#abort.signal);
      }
    }
  }

  #report(job: Job, outcome: NotificationOutcome): void {
    try {
      this.#onResult?.(job.notifier.kind, outcome);
    } catch (error) {
      this.#log.error({ err: error }, "notification result hook failed");
    }
  }

  #whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  #checkIdle(): void {
    if (this.#scheduled) return;
    for (const lane of this.#lanes.values()) if (lane.active > 0 || lane.queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

function fields(job: Job): Record<string, unknown> {
  return {
    notifier: job.notifier.name,
    deploymentId: job.event.deploymentId,
    state: job.event.state,
  };
}
