import type { DeployEvent } from "./deploy-event.js";
import { NOTIFY_ERR, NotificationError } from "./notification-error.js";
import type { Notifier } from "./notifier.js";
import { realTimers, type Timers } from "../domain/index.js";

export interface AttemptDeliveryInput {
  readonly notifier: Notifier;
  readonly event: DeployEvent;
  readonly timeoutMs: number;
  /** Aborted when the dispatcher gives up at shutdown. */
  readonly shutdown: AbortSignal;
  /** Runs the timeout. Default: real timers. */
  readonly timers?: Timers;
}

/**
 * One delivery attempt, bounded by `timeoutMs` even if the notifier ignores its signal: the
 * notifier's promise is raced against the abort, and left to settle on its own.
 *
 * @throws {NotificationError} `ERR_NOTIFY_TIMEOUT` on timeout or shutdown, or what the notifier threw.
 */
export async function attemptDelivery(input: AttemptDeliveryInput): Promise<void> {
  const timers = input.timers ?? realTimers;
  const timeout = new AbortController();
  const timer = timers.setTimeout(() => timeout.abort(), input.timeoutMs);
  const signal = AbortSignal.any([timeout.signal, input.shutdown]);
  const timedOut = (): NotificationError =>
    new NotificationError(NOTIFY_ERR.TIMEOUT, `no answer within ${input.timeoutMs} ms`, {
      retryable: true,
    });
  if (signal.aborted) {
    timers.clearTimeout(timer);
    throw timedOut();
  }
  const sending = (async () => input.notifier.notify(input.event, signal))();
  sending.catch(() => undefined);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(timedOut());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([sending, aborted]);
  } finally {
    timers.clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

/** Errors from custom notifiers or fetch internals count as transient network failures. */
export function asNotificationError(error: unknown): NotificationError {
  if (error instanceof NotificationError) return error;
  return new NotificationError(NOTIFY_ERR.NETWORK, "notifier failed", { retryable: true, cause: error });
}

/** Resolves when `wait` does or when `signal` aborts, whichever comes first. */
export function untilAborted(wait: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    wait.then(done, done);
  });
}
