import { z } from "zod";
import { SOURCE_SETTINGS } from "../config/index.js";
import type { ImagePush } from "../domain/index.js";
import { parsePayload, repositoryText, tagText, text } from "./parse-payload.js";
import type { ParsedDelivery, Source, SourceDescriptor, VerifiedCaller, WebhookRequest } from "./source.js";
import { WebhookAuthError } from "./source-errors.js";
import { secretsEqual } from "./verify-secret.js";

/** Settings of the Docker Hub source (`sources.dockerhub`). */
export interface DockerHubSourceOptions {
  /** The secret path segment of `POST /hooks/dockerhub/:token`. */
  readonly token: string;
}

/**
 * Content types accepted from Docker Hub. Docker does not document the header, so besides `application/json` this accepts what a plain HTTP client sends
 * by default (`text/plain`, `application/octet-stream`) and a request with no Content-Type at all
 * (the empty string: the ingest route maps a missing header to `""`). The body is parsed as JSON
 * whatever the header says; the URL token is what authenticates the request.
 */
export const DOCKER_HUB_CONTENT_TYPES: readonly string[] = [
  "application/json",
  "text/plain",
  "application/octet-stream",
  "",
];

const HELM_MEDIA_TYPE = /helm/i;

const dockerHubPushSchema = z.object({
  callback_url: text().nullish(),
  push_data: z.object({
    tag: tagText,
    pusher: text(255).nullish(),
    media_type: text(255).nullish(),
  }),
  repository: z.object({ repo_name: repositoryText }),
});

/** Docker Hub repository webhooks, `POST /hooks/dockerhub/:token`; settings `sources.dockerhub`. */
export const dockerHubSource: SourceDescriptor<"dockerhub"> = {
  name: "dockerhub",
  settings: SOURCE_SETTINGS.dockerhub,
  supportsWait: false,
  create: (settings) => createDockerHubSource(settings),
};

/**
 * Docker Hub repository webhooks (docs/webhooks.md "Docker Hub"): `POST /hooks/dockerhub/:token`.
 *
 * - Auth: Docker Hub cannot sign or add headers, so the secret is the `:token` path segment,
 *   compared in constant time with `sources.dockerhub.token`.
 * - Body: `repository.repo_name` + `push_data.tag` → one {@link ImagePush} with no registry host
 *   (Docker Hub) and no digest (Docker Hub sends none); `push_data.pusher` and the legacy
 *   `callback_url` are kept. Helm chart pushes (`push_data.media_type` naming Helm) are ignored.
 * - No delivery id exists: redeliveries (several per multi-arch push) are deduplicated downstream
 *   by repository + tag within a window.
 *
 * Fixture: `test/fixtures/payloads/dockerhub/push.json`.
 */
export function createDockerHubSource(options: DockerHubSourceOptions): Source {
  return {
    name: dockerHubSource.name,
    supportsWait: dockerHubSource.supportsWait,
    contentTypes: DOCKER_HUB_CONTENT_TYPES,
    verify(request: WebhookRequest): VerifiedCaller {
      const presented = request.params["token"];
      if (presented === undefined || presented === "") {
        throw new WebhookAuthError("missing-credentials", "missing token: use POST /hooks/dockerhub/<token>");
      }
      if (!secretsEqual(presented, options.token)) {
        throw new WebhookAuthError("wrong-credentials", "the URL token is not valid");
      }
      return {};
    },
    parse(json: unknown): ParsedDelivery {
      const body = parsePayload(dockerHubPushSchema, json, "Docker Hub push payload");
      const mediaType = body.push_data.media_type;
      if (typeof mediaType === "string" && HELM_MEDIA_TYPE.test(mediaType)) {
        return { pushes: [], ignored: "Helm chart push (not a container image)" };
      }
      const callbackUrl = safeCallbackUrl(body.callback_url);
      const pusher = body.push_data.pusher;
      const push: ImagePush = {
        repository: body.repository.repo_name,
        tag: body.push_data.tag,
        source: "dockerhub",
        ...(typeof pusher === "string" && pusher !== "" ? { pusher } : {}),
        ...(callbackUrl === undefined ? {} : { callbackUrl }),
      };
      return { pushes: [push] };
    },
  };
}

/** Keeps the callback URL only when it is an absolute https URL (the notifier checks the host). */
function safeCallbackUrl(value: string | null | undefined): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  try {
    return new URL(value).protocol === "https:" ? value : undefined;
  } catch {
    return undefined;
  }
}
