import { z } from "zod";
import { SOURCE_SETTINGS } from "../config/index.js";
import { splitImageName, type ImagePush } from "../domain/index.js";
import { invalidPayload, parsePayload, tagText, text } from "./parse-payload.js";
import type { ParsedDelivery, Source, SourceDescriptor, VerifiedCaller, WebhookRequest } from "./source.js";
import { WebhookAuthError } from "./source-errors.js";
import { secretsEqual } from "./verify-secret.js";

/** Settings of the Quay source (`sources.quay`). */
export interface QuaySourceOptions {
  /** The secret path segment of `POST /hooks/quay/:token`. */
  readonly token: string;
}

/** Most tags accepted in one Quay notification. */
export const MAX_QUAY_TAGS = 100;

const quayPushSchema = z.object({
  docker_url: text(512),
  updated_tags: z.unknown(),
  pruned_image_count: z.unknown().optional(),
});

/** Quay repository notifications, `POST /hooks/quay/:token`; settings `sources.quay`. */
export const quaySource: SourceDescriptor<"quay"> = {
  name: "quay",
  settings: SOURCE_SETTINGS.quay,
  supportsWait: false,
  create: (settings) => createQuaySource(settings),
};

/**
 * Quay (quay.io, Red Hat Quay) "Repository Push" notifications, webhook method (docs/webhooks.md "Quay"):
 * `POST /hooks/quay/:token`.
 *
 * - Auth: Quay sends no credentials (only an optional client certificate), so, as for Docker Hub,
 *   the secret is the `:token` path segment, compared in constant time with `sources.quay.token`.
 * - Body: one push per entry of `updated_tags` (an array of tags; very old Quay sent an object
 *   keyed by tag — both are accepted, at most {@link MAX_QUAY_TAGS}); registry host and repository
 *   come from `docker_url` (`quay.io/acme/api`). No digest, pusher or delivery id is sent. An empty
 *   `updated_tags` is ignored, and so is the "Test Notification" sample (it carries
 *   `pruned_image_count`, which real pushes never do) so that pressing the button deploys nothing.
 *
 * Fixture: `test/fixtures/payloads/quay/push.json`.
 */
export function createQuaySource(options: QuaySourceOptions): Source {
  return {
    name: quaySource.name,
    supportsWait: quaySource.supportsWait,
    contentTypes: ["application/json"],
    verify(request: WebhookRequest): VerifiedCaller {
      const presented = request.params["token"];
      if (presented === undefined || presented === "") {
        throw new WebhookAuthError("missing-credentials", "missing token: use POST /hooks/quay/<token>");
      }
      if (!secretsEqual(presented, options.token)) {
        throw new WebhookAuthError("wrong-credentials", "the URL token is not valid");
      }
      return {};
    },
    parse(json: unknown): ParsedDelivery {
      const body = parsePayload(quayPushSchema, json, "Quay push notification");
      if (body.pruned_image_count !== undefined) {
        return { pushes: [], ignored: "Quay test notification (sample data)" };
      }
      const name = splitImageName(body.docker_url);
      if (!name.ok || name.value.registryHost === undefined) {
        const problem = name.ok ? "must start with the registry host" : name.problem;
        throw invalidPayload("Quay push notification", `docker_url: ${problem}`);
      }
      const { registryHost, repository } = name.value;
      const tags = readTags(body.updated_tags);
      if (tags.length === 0) return { pushes: [], ignored: "no tags were updated" };
      return {
        pushes: tags.map((tag): ImagePush => ({ registryHost, repository, tag, source: "quay" })),
      };
    },
  };
}

function readTags(value: unknown): string[] {
  let tags: unknown[];
  if (Array.isArray(value)) tags = value;
  else if (value !== null && typeof value === "object") tags = Object.keys(value);
  else throw invalidPayload("Quay push notification", "updated_tags: must be a list of tags");
  if (tags.length > MAX_QUAY_TAGS) {
    throw invalidPayload("Quay push notification", `updated_tags: at most ${MAX_QUAY_TAGS} tags`);
  }
  tags.forEach((tag, index) => {
    if (!tagText.safeParse(tag).success) {
      throw invalidPayload("Quay push notification", `updated_tags[${index}]: must be a Docker tag`);
    }
  });
  return [...new Set(tags as string[])];
}
