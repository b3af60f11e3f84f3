/**
 * Deployment notifications: Slack, signed JSON webhooks and Docker Hub's legacy callback, fanned
 * out by a dispatcher that never blocks or fails the engine (docs/notifications.md).
 * @module
 */
export {
  createDeployEvent,
  formatDuration,
  type CreateDeployEventInput,
  type DeployEvent,
  type DeployEventKind,
} from "./deploy-event.js";
export {
  channelStates,
  type Notifier,
  type NotifierContext,
  type NotifierDescriptor,
  type NotifierKind,
} from "./notifier.js";
/** The notifier registry: one descriptor per key under `notifications:`. */
export { NOTIFIER_KINDS, NOTIFIERS } from "./registry.js";
export {
  NOTIFY_ERR,
  NotificationError,
  type NotificationErrorCode,
  type NotificationErrorOptions,
} from "./notification-error.js";
export {
  SlackNotifier,
  slackNotifier,
  SLACK_DEFAULT_STATES,
  createSlackPayload,
  type SlackNotifierOptions,
  type SlackPayload,
} from "./slack-notifier.js";
export {
  WebhookNotifier,
  webhookNotifier,
  WEBHOOK_DEFAULT_STATES,
  createWebhookPayload,
  type WebhookNotifierOptions,
  type WebhookPayload,
} from "./webhook-notifier.js";
export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhookPayload,
  verifyWebhookSignature,
  type VerifyWebhookSignatureInput,
} from "./sign-webhook-payload.js";
export {
  DockerHubCallbackNotifier,
  dockerHubCallbackNotifier,
  createDockerHubCallbackPayload,
  type DockerHubCallbackNotifierOptions,
  type DockerHubCallbackPayload,
} from "./docker-hub-callback-notifier.js";
export { isDockerOwnedUrl } from "./is-docker-owned-url.js";
export {
  NotificationDispatcher,
  DEFAULT_NOTIFY_ATTEMPTS,
  DEFAULT_NOTIFY_BACKOFF_MS,
  DEFAULT_NOTIFY_CLOSE_TIMEOUT_MS,
  DEFAULT_NOTIFY_CONCURRENCY,
  DEFAULT_NOTIFY_QUEUE_SIZE,
  DEFAULT_NOTIFY_TIMEOUT_MS,
  type NotificationDispatcherOptions,
  type NotificationOutcome,
  type NotifierSetup,
} from "./notification-dispatcher.js";
export { createNotifiers, type CreateNotifiersDeps, type NotificationSettings } from "./create-notifiers.js";
/** Channel URLs and secrets for the log scrubber (`loadConfig` already adds them to its secrets). */
export { collectNotificationSecrets } from "../config/index.js";
