import { z } from "zod";
import { SOURCE_SETTINGS } from "../config/index.js";
import { isRegistryHost, type ImagePush } from "../domain/index.js";
import { digestText, invalidPayload, parsePayload, repositoryText, tagText, text } from "./parse-payload.js";
import type {
  ParsedDelivery,
  Source,
  SourceContext,
  SourceDescriptor,
  VerifiedCaller,
  WebhookRequest,
} from "./source.js";
import { WebhookAuthError } from "./source-errors.js";
import { readHeader, secretsEqual } from "./verify-secret.js";

/** Settings of the Harbor source (`sources.harbor`). */
export interface HarborSourceOptions {
  /** The secret pasted into the webhook policy's "Auth Header" field, as `<token>` or `Bearer <token>`. */
  readonly token: string;
}

/** Most resources accepted in one Harbor event (Harbor sends one). */
export const MAX_HARBOR_RESOURCES = 100;
/** Harbor ≥ 2.0 `PUSH_ARTIFACT`, Harbor 1.x `pushImage`, CloudEvents format `harbor.artifact.pushed`. */
const PUSH_TYPES: ReadonlySet<string> = new Set(["PUSH_ARTIFACT", "pushImage", "harbor.artifact.pushed"]);

const headSchema = z.object({ type: text(128).optional(), specversion: text(16).optional() });

const eventDataSchema = z.object({
  resources: z
    .array(z.object({ digest: digestText.optional(), tag: text(255).optional(), resource_url: text(512) }))
    .min(1)
    .max(MAX_HARBOR_RESOURCES),
  repository: z.object({ repo_full_name: repositoryText }),
});

const defaultFormatSchema = z.object({ operator: text(255).nullish(), event_data: eventDataSchema });
const cloudEventSchema = z.object({ id: text(200), operator: text(255).nullish(), data: eventDataSchema });

/** Harbor webhooks, `POST /hooks/harbor`; settings `sources.harbor`. */
export const harborSource: SourceDescriptor<"harbor"> = {
  name: "harbor",
  settings: SOURCE_SETTINGS.harbor,
  supportsWait: false,
  create: (settings) => createHarborSource(settings),
};

/**
 * Harbor webhooks, HTTP notify type (docs/webhooks.md "Harbor"): `POST /hooks/harbor`.
 *
 * - Auth: Harbor sends the policy's *Auth Header* verbatim as `Authorization`. drover accepts it
 *   when it equals `sources.harbor.token` or `Bearer <token>` (constant time); no header → 401.
 * - Body: the Default format (`type: PUSH_ARTIFACT`, Harbor 1.x `pushImage`) and the CloudEvents
 *   format (`type: harbor.artifact.pushed`, `Content-Type: application/cloudevents+json`). One push
 *   per resource: repository = `event_data.repository.repo_full_name`, tag = `resources[].tag`,
 *   digest = `resources[].digest`, registry host = the host of `resources[].resource_url`,
 *   pusher = `operator`. Resources pushed by digest (Harbor then reports the digest as the tag)
 *   are ignored. Other event types, and bodies without a `type` (the UI's "Test Endpoint"), are
 *   ignored with a reason. Delivery id: the CloudEvents `id` (the Default format has none).
 *
 * Fixtures: `test/fixtures/payloads/harbor/`.
 */
export function createHarborSource(options: HarborSourceOptions): Source {
  return {
    name: harborSource.name,
    supportsWait: harborSource.supportsWait,
    contentTypes: ["application/json", "application/cloudevents+json"],
    verify(request: WebhookRequest, _context: SourceContext): VerifiedCaller {
      const header = readHeader(request.headers, "authorization")?.trim();
      if (header === undefined || header === "") {
        throw new WebhookAuthError(
          "missing-credentials",
          "missing Authorization header (set the policy's Auth Header)",
        );
      }
      const bare = /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, "") : header;
      const matches = secretsEqual(header, options.token) || secretsEqual(bare, options.token);
      if (!matches) throw new WebhookAuthError("wrong-credentials", "the Authorization header is not valid");
      return {};
    },
    parse(json: unknown): ParsedDelivery {
      if (json === null || typeof json !== "object" || Array.isArray(json)) {
        throw invalidPayload("Harbor event", "the body must be a JSON object");
      }
      const head = parsePayload(headSchema, json, "Harbor event");
      if (head.type === undefined || head.type === "") {
        return { pushes: [], ignored: "no event type (Harbor's Test Endpoint sends no push)" };
      }
      if (!PUSH_TYPES.has(head.type)) {
        return {
          pushes: [],
          ignored: `Harbor ${head.type.slice(0, 40)} event (only artifact pushes deploy)`,
        };
      }
      const event =
        head.specversion === undefined
          ? parsePayload(defaultFormatSchema, json, "Harbor push event")
          : parsePayload(cloudEventSchema, json, "Harbor CloudEvents push event");
      const data = "data" in event ? event.data : event.event_data;
      const eventId = "id" in event ? event.id : undefined;
      const repository = data.repository.repo_full_name;
      const pushes: ImagePush[] = [];
      data.resources.forEach((resource, index) => {
        const tag = resource.tag ?? "";
        if (tag === "" || tag.startsWith("sha256:")) return;
        if (!tagText.safeParse(tag).success) {
          throw invalidPayload(
            "Harbor push event",
            `event_data.resources[${index}].tag: must be a Docker tag`,
          );
        }
        const deliveryId =
          eventId === undefined ? undefined : data.resources.length === 1 ? eventId : `${eventId}#${index}`;
        pushes.push({
          registryHost: hostOf(resource.resource_url, repository, index),
          repository,
          tag,
          source: "harbor",
          ...(resource.digest === undefined ? {} : { digest: resource.digest }),
          ...(deliveryId === undefined ? {} : { deliveryId }),
          ...(typeof event.operator === "string" && event.operator !== "" ? { pusher: event.operator } : {}),
        });
      });
      return pushes.length > 0 ? { pushes } : { pushes, ignored: "artifact pushed by digest (no tag)" };
    },
  };
}

/** The registry host of `host[:port]/<repository>:<tag>` (Harbor's external URL host). */
function hostOf(resourceUrl: string, repository: string, index: number): string {
  const url = resourceUrl.replace(/^https?:\/\//i, "");
  const slash = url.indexOf("/");
  const host = slash === -1 ? "" : url.slice(0, slash);
  const rest = slash === -1 ? "" : url.slice(slash + 1);
  const namesRepository = rest.startsWith(`${repository}:`) || rest.startsWith(`${repository}@`);
  if (!isRegistryHost(host) || !namesRepository) {
    throw invalidPayload(
      "Harbor push event",
      `event_data.resources[${index}].resource_url: must be <host>/<repository>:<tag> naming the event's repository`,
    );
  }
  return host.toLowerCase();
}
