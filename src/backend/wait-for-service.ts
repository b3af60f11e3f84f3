import type { Logger } from "pino";
import type { Backend, ChangeFeed } from "./backend.js";
import {
  RancherTimeoutError,
  RancherUnavailableError,
  type Service,
  type ServiceRef,
} from "../rancher/index.js";

export const POLL_INTERVAL_MS = 1_000;
/** Polling interval while the websocket is up: events do the work, polls are a safety net. */
export const POLL_INTERVAL_WITH_EVENTS_MS = 5_000;
/** Change events kept for a waiter that has not looked yet; the oldest go first beyond this. */
const MAX_PENDING_EVENTS = 64;

export interface WaitForServiceOptions {
  readonly client: Pick<Backend, "getService">;
  readonly ref: Pick<ServiceRef, "projectId" | "serviceId">;
  readonly events?: ChangeFeed | undefined;
  /** Done when this returns true. */
  readonly until: (service: Service) => boolean;
  /** A description of what is awaited, for the timeout error (`"upgraded"`). */
  readonly expected: string;
  /** Epoch ms after which the wait fails with RancherTimeoutError. */
  readonly deadlineAt: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger;
  /** Called with every service observed (e.g. to record `transitioning: error`). */
  readonly onObserve?: (service: Service) => void;
  /** Stops the wait early (operator cancel); the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  readonly pollIntervalMs?: number;
}

/**
 * Waits until `until(service)` holds. Listens to `resource.change` events for the service (noticed
 * within milliseconds) and polls as a fallback — every second without the websocket, every five
 * seconds with it, and once after each reconnect. Transient Rancher errors are logged and waited
 * out; `transitioning: error` is reported to `onObserve` but is not terminal before the deadline.
 *
 * @throws {RancherTimeoutError} at the deadline, with the last state seen.
 */
export async function waitForService(options: WaitForServiceOptions): Promise<Service> {
  const { client, ref, events, now, logger } = options;
  const started = now();
  let last: Service | undefined;
  // Every change event is judged, in order: a state that lasts only until the next event (active,
  // then another actor's upgrade a moment later) must not be skipped.
  const pending: Service[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = events?.subscribe((change) => {
    if (change === "resync") {
      pending.length = 0;
      wake?.();
      return;
    }
    if (change.resourceId !== ref.serviceId || change.resourceType.toLowerCase().includes("container"))
      return;
    if (pending.length >= MAX_PENDING_EVENTS) pending.shift();
    pending.push(change.resource);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  options.signal?.addEventListener("abort", onAbort);
  try {
    let poll = true;
    for (;;) {
      options.signal?.throwIfAborted();
      let service: Service | undefined;
      const next = pending.shift();
      if (next !== undefined) {
        service = next;
      } else if (poll) {
        try {
          service = await client.getService(ref);
        } catch (error) {
          if (!(error instanceof RancherUnavailableError)) throw error;
          logger.warn({ err: { message: error.message } }, "rancher unavailable while waiting");
        }
      }
      if (service !== undefined) {
        last = service;
        options.onObserve?.(service);
        if (options.until(service)) return service;
      }
      const remaining = options.deadlineAt - now();
      if (remaining <= 0) {
        throw new RancherTimeoutError(
          options.expected,
          last?.state,
          now() - started,
          last?.transitioningMessage,
        );
      }
      const interval =
        options.pollIntervalMs ??
        (events?.connected === true ? POLL_INTERVAL_WITH_EVENTS_MS : POLL_INTERVAL_MS);
      let woken = false;
      await Promise.race([
        options.sleep(Math.min(interval, remaining)),
        new Promise<void>((resolve) => {
          wake = () => {
            woken = true;
            resolve();
          };
          if (pending.length > 0 || options.signal?.aborted === true) wake();
        }),
      ]);
      wake = undefined;
      // Woken by an event carrying the resource: check it without a GET; otherwise poll.
      poll = !woken || pending.length === 0;
    }
  } finally {
    unsubscribe?.();
    options.signal?.removeEventListener("abort", onAbort);
  }
}
