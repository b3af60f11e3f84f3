import type { DeployEvent } from "./deploy-event.js";

/** The channel families, used as a bounded metrics/log label. */
export type NotifierKind = "slack" | "webhook" | "docker_hub_callback";

/**
 * One notification destination (house style §2.12). Built from config by `createNotifiers`;
 * called only by the `NotificationDispatcher`, which adds timeouts, retries and the queue.
 */
export interface Notifier {
  readonly kind: NotifierKind;
  /** For logs: the kind and index plus the destination through `safeUrl` (never a path or token). */
  readonly name: string;
  /** Whether this destination wants the event (per-channel `states` filter). Pure and fast. */
  accepts(event: DeployEvent): boolean;
  /**
   * Delivers one event, once. Must honour `signal` (timeout or shutdown).
   *
   * @throws {NotificationError} with `retryable` telling the dispatcher whether to try again;
   *   any other error counts as retryable.
   */
  notify(event: DeployEvent, signal: AbortSignal): Promise<void>;
}
