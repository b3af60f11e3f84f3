import type { Config } from "../config/index.js";
import type { DeploymentState } from "../domain/index.js";
import { DockerHubCallbackNotifier } from "./docker-hub-callback-notifier.js";
import type { NotifierSetup } from "./notification-dispatcher.js";
import type { Notifier } from "./notifier.js";
import { SLACK_DEFAULT_STATES, SlackNotifier } from "./slack-notifier.js";
import { WEBHOOK_DEFAULT_STATES, WebhookNotifier } from "./webhook-notifier.js";

/** The `notifications:` section of the config. */
export type NotificationSettings = Config["notifications"];

export interface CreateNotifiersDeps {
  readonly fetch: typeof fetch;
  /** Epoch ms (webhook signature timestamps). */
  readonly now: () => number;
}

/**
 * Builds the notifiers the config asks for (no self-registration, house style §2.12). A
 * channel without `states` gets its default (Slack: failed, rolled-back; webhooks: every
 * terminal state) plus `preparing` when `on` includes `start`.
 */
export function createNotifiers(settings: NotificationSettings, deps: CreateNotifiersDeps): NotifierSetup {
  const start = settings.on.includes("start");
  const states = (given: readonly DeploymentState[] | undefined, defaults: readonly DeploymentState[]) =>
    given ?? (start ? [...defaults, "preparing" as const] : defaults);
  const publicUrl = settings.publicUrl === undefined ? {} : { publicUrl: settings.publicUrl };
  const notifiers: Notifier[] = [
    ...settings.slack.map(
      (channel, index) =>
        new SlackNotifier({
          url: channel.url,
          states: states(channel.states, SLACK_DEFAULT_STATES),
          fetch: deps.fetch,
          index,
          ...publicUrl,
        }),
    ),
    ...settings.webhooks.map(
      (channel, index) =>
        new WebhookNotifier({
          url: channel.url,
          secret: channel.secret,
          states: states(channel.states, WEBHOOK_DEFAULT_STATES),
          fetch: deps.fetch,
          now: deps.now,
          index,
        }),
    ),
    ...(settings.dockerHubCallbacks
      ? [new DockerHubCallbackNotifier({ fetch: deps.fetch, ...publicUrl })]
      : []),
  ];
  return { on: settings.on, notifiers, timeoutMs: settings.timeout, attempts: settings.attempts };
}
