import type { NotifierSettingKey } from "../config/index.js";
import { dockerHubCallbackNotifier } from "./docker-hub-callback-notifier.js";
import type { NotifierDescriptor, NotifierKind } from "./notifier.js";
import { slackNotifier } from "./slack-notifier.js";
import { webhookNotifier } from "./webhook-notifier.js";

/**
 * The notifiers, one descriptor per key under `notifications:`. A record over
 * `NotifierSettingKey` (the keys of the config's `NOTIFIER_SETTINGS`), so a setting without a
 * descriptor does not compile. Adding a notifier: its settings in `NOTIFIER_SETTINGS`, its module,
 * one line here.
 */
const NOTIFIERS_BY_SETTING: { readonly [K in NotifierSettingKey]: NotifierDescriptor<K> } = {
  slack: slackNotifier,
  webhooks: webhookNotifier,
  dockerHubCallbacks: dockerHubCallbackNotifier,
};

/** Every notifier, in the order listed above (also the order `createNotifiers` builds them in). */
export const NOTIFIERS: readonly NotifierDescriptor[] = Object.values(NOTIFIERS_BY_SETTING);

/** The registered notifier kinds: the allowed `channel` label values of `drover_notifications_total`. */
export const NOTIFIER_KINDS: readonly NotifierKind[] = NOTIFIERS.map((notifier) => notifier.kind);
