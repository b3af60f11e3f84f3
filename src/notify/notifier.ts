import type { NOTIFIER_SETTINGS, NotificationSettings, NotifierSettingKey } from "../config/index.js";
import type { DeploymentState } from "../domain/index.js";
import type { DeployEvent } from "./deploy-event.js";

/**
 * A channel family (`slack`, `webhook`, `docker_hub_callback`): the `kind` of a registered
 * {@link NotifierDescriptor}, used as a bounded metrics/log label (`NOTIFIER_KINDS`).
 */
export type NotifierKind = string;

/**
 * One notification destination. Built from config by its descriptor (via `createNotifiers`);
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

/** What a notifier factory gets besides its own settings. */
export interface NotifierContext {
  readonly fetch: typeof fetch;
  /** Epoch ms (webhook signature timestamps). */
  readonly now: () => number;
  /** `notifications.publicUrl`: base URL of drover for links. */
  readonly publicUrl?: string;
  /** `notifications.on` includes `start`: channels without `states` also get `preparing`. */
  readonly notifyStart: boolean;
}

/**
 * One entry of the notifier registry (`NOTIFIERS` in `registry.ts`): the key under
 * `notifications:` it reads, its settings schema (the config's `NOTIFIER_SETTINGS[setting]`, since
 * `config` imports nothing of `notify`), its kind, and a factory giving zero or more notifiers.
 */
export interface NotifierDescriptor<K extends NotifierSettingKey = NotifierSettingKey> {
  /** `Notifier.kind` of what `create` builds; the `channel` label of `drover_notifications_total`. */
  readonly kind: NotifierKind;
  /** The key under `notifications:`. */
  readonly setting: K;
  readonly settings: (typeof NOTIFIER_SETTINGS)[K];
  create(settings: NotificationSettings[K], context: NotifierContext): Notifier[];
}

/** A channel's `states`, or its defaults plus `preparing` when `on` includes `start`. */
export function channelStates(
  given: readonly DeploymentState[] | undefined,
  defaults: readonly DeploymentState[],
  context: NotifierContext,
): readonly DeploymentState[] {
  return given ?? (context.notifyStart ? [...defaults, "preparing"] : defaults);
}
