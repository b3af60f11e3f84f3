import type { NotificationSettings, NotifierSettingKey } from "../config/index.js";
import type { NotifierSetup } from "./notification-dispatcher.js";
import type { Notifier, NotifierContext, NotifierDescriptor } from "./notifier.js";
import { NOTIFIERS } from "./registry.js";

export type { NotificationSettings };

export interface CreateNotifiersDeps {
  readonly fetch: typeof fetch;
  /** Epoch ms (webhook signature timestamps). */
  readonly now: () => number;
}

/**
 * Builds the notifiers the config asks for, each registered notifier (`NOTIFIERS`) from its key
 * under `notifications:` (no self-registration: the registry is a plain list). A channel without `states`
 * gets its default (Slack: failed, rolled-back; webhooks: every terminal state) plus `preparing`
 * when `on` includes `start`.
 */
export function createNotifiers(settings: NotificationSettings, deps: CreateNotifiersDeps): NotifierSetup {
  const context: NotifierContext = {
    fetch: deps.fetch,
    now: deps.now,
    notifyStart: settings.on.includes("start"),
    ...(settings.publicUrl === undefined ? {} : { publicUrl: settings.publicUrl }),
  };
  const notifiers = NOTIFIERS.flatMap((descriptor) => createConfigured(descriptor, settings, context));
  return { on: settings.on, notifiers, timeoutMs: settings.timeout, attempts: settings.attempts };
}

function createConfigured<K extends NotifierSettingKey>(
  descriptor: NotifierDescriptor<K>,
  settings: NotificationSettings,
  context: NotifierContext,
): Notifier[] {
  return descriptor.create(settings[descriptor.setting], context);
}
