import { NOTIFIER_SETTINGS } from "../config/index.js";
import type { DeploymentState } from "../domain/index.js";
import { safeUrl } from "../log/index.js";
import type { DeployEvent } from "./deploy-event.js";
import { channelStates, type Notifier, type NotifierDescriptor } from "./notifier.js";
import { postJson } from "./post-json.js";

/** Slack's default: failures only (a channel that only speaks when something is wrong). */
export const SLACK_DEFAULT_STATES: readonly DeploymentState[] = ["failed", "rolled-back"];

export interface SlackNotifierOptions {
  /** The incoming-webhook URL. A secret: its path is the token. */
  readonly url: string;
  /** States to notify; `preparing` means the start. Default `SLACK_DEFAULT_STATES`. */
  readonly states?: readonly DeploymentState[];
  /** Base URL of drover for a "details" link (`<publicUrl>/api/deployments/<id>`). */
  readonly publicUrl?: string;
  readonly fetch: typeof fetch;
  /** Suffix of `name` to tell several Slack channels apart in logs (e.g. `0`). */
  readonly index?: number;
}

/** The JSON Slack's incoming webhooks take: `text` is the fallback/notification line. */
export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

const ICONS: Partial<Record<DeploymentState, string>> = {
  succeeded: ":white_check_mark:",
  "rolled-back": ":rewind:",
  failed: ":x:",
  canceled: ":no_entry_sign:",
  superseded: ":fast_forward:",
  skipped: ":white_circle:",
  preparing: ":rocket:",
};

/** Slack incoming webhooks: one {@link SlackNotifier} per entry of `notifications.slack`. */
export const slackNotifier: NotifierDescriptor<"slack"> = {
  kind: "slack",
  setting: "slack",
  settings: NOTIFIER_SETTINGS.slack,
  create: (channels, context) =>
    channels.map(
      (channel, index) =>
        new SlackNotifier({
          url: channel.url,
          states: channelStates(channel.states, SLACK_DEFAULT_STATES, context),
          fetch: context.fetch,
          index,
          ...(context.publicUrl === undefined ? {} : { publicUrl: context.publicUrl }),
        }),
    ),
};

/** Posts `{ text, blocks }` to a Slack incoming webhook. */
export class SlackNotifier implements Notifier {
  readonly kind = slackNotifier.kind;
  readonly name: string;
  readonly #url: string;
  readonly #states: ReadonlySet<DeploymentState>;
  readonly #publicUrl: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: SlackNotifierOptions) {
    this.#url = options.url;
    this.#states = new Set(options.states ?? SLACK_DEFAULT_STATES);
    this.#publicUrl = options.publicUrl;
    this.#fetch = options.fetch;
    this.name = `slack[${options.index ?? 0}] ${safeUrl(options.url)}`;
  }

  accepts(event: DeployEvent): boolean {
    return this.#states.has(event.state);
  }

  async notify(event: DeployEvent, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(createSlackPayload(event, this.#publicUrl));
    await postJson({ fetch: this.#fetch, url: this.#url, body, signal });
  }
}

/** The Slack message for an event: a header line, the summary, and a context line of facts. */
export function createSlackPayload(event: DeployEvent, publicUrl?: string): SlackPayload {
  const icon = ICONS[event.state] ?? ":information_source:";
  const title = event.kind === "started" ? "Deployment started" : `Deployment ${event.state}`;
  const facts = [
    `deployment \`${escapeSlack(event.deploymentId)}\``,
    `source ${escapeSlack(event.source)}`,
    ...(event.previousImage === undefined ? [] : [`previous \`${escapeSlack(event.previousImage)}\``]),
    ...(event.error === undefined ? [] : [`error \`${escapeSlack(event.error.code)}\``]),
  ];
  if (publicUrl !== undefined) {
    const link = `${publicUrl.replace(/\/+$/, "")}/api/deployments/${encodeURIComponent(event.deploymentId)}`;
    facts.push(`<${link}|details>`);
  }
  return {
    text: `${icon} ${escapeSlack(event.summary)}`,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `${icon} *${title}* \`${escapeSlack(event.targetName)}\`\n${escapeSlack(event.summary)}`,
        },
      },
      { type: "context", elements: [{ type: "mrkdwn", text: facts.join(" · ") }] },
    ],
  };
}

/** Slack mrkdwn control characters (&, <, >) must be escaped in user-supplied text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
