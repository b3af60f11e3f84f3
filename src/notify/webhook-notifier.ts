import { NOTIFIER_SETTINGS } from "../config/index.js";
import { TERMINAL_STATES, type DeploymentState } from "../domain/index.js";
import { safeUrl } from "../log/index.js";
import type { DeployEvent } from "./deploy-event.js";
import { channelStates, type Notifier, type NotifierDescriptor } from "./notifier.js";
import { postJson } from "./post-json.js";
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhookPayload,
} from "./sign-webhook-payload.js";

/** Generic webhooks default to every terminal state. */
export const WEBHOOK_DEFAULT_STATES: readonly DeploymentState[] = [...TERMINAL_STATES];

export interface WebhookNotifierOptions {
  readonly url: string;
  /** HMAC-SHA256 key. */
  readonly secret: string;
  /** States to notify; `preparing` means the start. Default `WEBHOOK_DEFAULT_STATES`. */
  readonly states?: readonly DeploymentState[];
  readonly fetch: typeof fetch;
  /** Epoch milliseconds (the signed timestamp). */
  readonly now: () => number;
  readonly index?: number;
}

/** The JSON body of a generic webhook (`X-Drover-Event` names the `event`). */
export interface WebhookPayload {
  /** Same as `X-Drover-Delivery`. */
  readonly id: string;
  readonly event: "deployment.started" | "deployment.finished";
  readonly summary: string;
  readonly deployment: Pick<
    DeployEvent,
    "target" | "targetName" | "image" | "state" | "source" | "createdAt" | "occurredAt" | OptionalField
  > & { readonly id: string };
}

type OptionalField =
  "digest" | "previousImage" | "error" | "detail" | "startedAt" | "finishedAt" | "durationMs";

/** Signed JSON webhooks: one {@link WebhookNotifier} per entry of `notifications.webhooks`. */
export const webhookNotifier: NotifierDescriptor<"webhooks"> = {
  kind: "webhook",
  setting: "webhooks",
  settings: NOTIFIER_SETTINGS.webhooks,
  create: (channels, context) =>
    channels.map(
      (channel, index) =>
        new WebhookNotifier({
          url: channel.url,
          secret: channel.secret,
          states: channelStates(channel.states, WEBHOOK_DEFAULT_STATES, context),
          fetch: context.fetch,
          now: context.now,
          index,
        }),
    ),
};

/**
 * Generic JSON webhook signed with HMAC-SHA256 (see `signWebhookPayload` and
 * docs/notifications.md): headers `X-Drover-Signature-256`, `X-Drover-Timestamp`,
 * `X-Drover-Event`, `X-Drover-Delivery`. Each attempt is signed with its own timestamp; the body
 * and delivery id stay the same across retries.
 */
export class WebhookNotifier implements Notifier {
  readonly kind = webhookNotifier.kind;
  readonly name: string;
  readonly #url: string;
  readonly #secret: string;
  readonly #states: ReadonlySet<DeploymentState>;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(options: WebhookNotifierOptions) {
    this.#url = options.url;
    this.#secret = options.secret;
    this.#states = new Set(options.states ?? WEBHOOK_DEFAULT_STATES);
    this.#fetch = options.fetch;
    this.#now = options.now;
    this.name = `webhook[${options.index ?? 0}] ${safeUrl(options.url)}`;
  }

  accepts(event: DeployEvent): boolean {
    return this.#states.has(event.state);
  }

  async notify(event: DeployEvent, signal: AbortSignal): Promise<void> {
    const payload = createWebhookPayload(event);
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(this.#now() / 1000);
    await postJson({
      fetch: this.#fetch,
      url: this.#url,
      body,
      signal,
      headers: {
        [SIGNATURE_HEADER]: signWebhookPayload(this.#secret, timestamp, body),
        [TIMESTAMP_HEADER]: String(timestamp),
        [EVENT_HEADER]: payload.event,
        [DELIVERY_HEADER]: event.eventId,
      },
    });
  }
}

/** The webhook body for an event: an explicit allow-list of fields (`callbackUrl` is never sent). */
export function createWebhookPayload(event: DeployEvent): WebhookPayload {
  const optional = <K extends OptionalField>(key: K): Partial<Pick<DeployEvent, K>> =>
    event[key] === undefined ? {} : ({ [key]: event[key] } as Pick<DeployEvent, K>);
  return {
    id: event.eventId,
    event: event.kind === "started" ? "deployment.started" : "deployment.finished",
    summary: event.summary,
    deployment: {
      id: event.deploymentId,
      target: event.target,
      targetName: event.targetName,
      image: event.image,
      state: event.state,
      source: event.source,
      createdAt: event.createdAt,
      occurredAt: event.occurredAt,
      ...optional("digest"),
      ...optional("previousImage"),
      ...optional("error"),
      ...optional("detail"),
      ...optional("startedAt"),
      ...optional("finishedAt"),
      ...optional("durationMs"),
    },
  };
}
