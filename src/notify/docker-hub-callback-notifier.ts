import { NOTIFIER_SETTINGS } from "../config/index.js";
import type { DeploymentState } from "../domain/index.js";
import type { DeployEvent } from "./deploy-event.js";
import { isDockerOwnedUrl } from "./is-docker-owned-url.js";
import { NOTIFY_ERR, NotificationError } from "./notification-error.js";
import type { Notifier, NotifierDescriptor } from "./notifier.js";
import { postJson } from "./post-json.js";

/** Docker Hub's documented callback limits. */
const MAX_DESCRIPTION = 255;
const MAX_CONTEXT = 100;

/** Docker Hub's legacy callback body (docs/notifications.md; `pending` was never a valid state). */
export interface DockerHubCallbackPayload {
  readonly state: "success" | "failure" | "error";
  readonly description: string;
  readonly context: string;
  readonly target_url?: string;
}

export interface DockerHubCallbackNotifierOptions {
  readonly fetch: typeof fetch;
  /** Base URL of drover; when set, `target_url` links to the deployment. */
  readonly publicUrl?: string;
}

/** Docker Hub's legacy callback: one {@link DockerHubCallbackNotifier} when `notifications.dockerHubCallbacks`. */
export const dockerHubCallbackNotifier: NotifierDescriptor<"dockerHubCallbacks"> = {
  kind: "docker_hub_callback",
  setting: "dockerHubCallbacks",
  settings: NOTIFIER_SETTINGS.dockerHubCallbacks,
  create: (enabled, context) =>
    enabled
      ? [
          new DockerHubCallbackNotifier({
            fetch: context.fetch,
            ...(context.publicUrl === undefined ? {} : { publicUrl: context.publicUrl }),
          }),
        ]
      : [],
};

/**
 * Answers Docker Hub's legacy `callback_url` when a deployment that carries one finishes. Only
 * `https` URLs on Docker-owned hosts are called (`isDockerOwnedUrl`); anything else is refused
 * with `ERR_NOTIFY_REFUSED` naming the host only. One callback per deployment: a push mapped to
 * several targets sends one per target (Docker Hub keeps the first).
 */
export class DockerHubCallbackNotifier implements Notifier {
  readonly kind = dockerHubCallbackNotifier.kind;
  readonly name = "docker-hub-callback";
  readonly #fetch: typeof fetch;
  readonly #publicUrl: string | undefined;

  constructor(options: DockerHubCallbackNotifierOptions) {
    this.#fetch = options.fetch;
    this.#publicUrl = options.publicUrl;
  }

  accepts(event: DeployEvent): boolean {
    return event.kind === "finished" && event.callbackUrl !== undefined;
  }

  async notify(event: DeployEvent, signal: AbortSignal): Promise<void> {
    const url = event.callbackUrl;
    if (url === undefined) return;
    if (!isDockerOwnedUrl(url)) {
      throw new NotificationError(
        NOTIFY_ERR.REFUSED,
        `callback_url host ${describeHost(url)} is not a Docker-owned https host; not called`,
        { retryable: false },
      );
    }
    const body = JSON.stringify(createDockerHubCallbackPayload(event, this.#publicUrl));
    await postJson({ fetch: this.#fetch, url, body, signal });
  }
}

/** The callback body: state mapped from the deployment's terminal state, texts truncated. */
export function createDockerHubCallbackPayload(
  event: DeployEvent,
  publicUrl?: string,
): DockerHubCallbackPayload {
  const base = {
    state: callbackState(event.state),
    description: truncate(event.summary, MAX_DESCRIPTION),
    context: truncate(`drover ${event.targetName}`, MAX_CONTEXT),
  };
  if (publicUrl === undefined) return base;
  const targetUrl = `${publicUrl.replace(/\/+$/, "")}/api/deployments/${encodeURIComponent(event.deploymentId)}`;
  return { ...base, target_url: targetUrl };
}

/** succeeded/skipped → success; rolled-back/failed → failure; canceled/superseded (not deployed) → error. */
function callbackState(state: DeploymentState): DockerHubCallbackPayload["state"] {
  if (state === "succeeded" || state === "skipped") return "success";
  if (state === "rolled-back" || state === "failed") return "failure";
  return "error";
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The host only (never the path: it carries the hook token), bounded in length. */
function describeHost(input: string): string {
  try {
    const host = new URL(input).host;
    return host === "" ? "(none)" : host.slice(0, 100);
  } catch {
    return "(invalid url)";
  }
}
