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
import { verifyBearerSecret } from "./verify-secret.js";

/** Settings of the registry source (`sources.registry`). */
export interface RegistrySourceOptions {
  /** The token configured in the registry endpoint's `headers: { Authorization: [Bearer …] }`. */
  readonly bearer: string;
}

/** Envelope media types: v2.x sends `events.v1+json`, v3 `events.v2+json` (docs/webhooks.md "Distribution registry"). */
export const REGISTRY_CONTENT_TYPES: readonly string[] = [
  "application/vnd.docker.distribution.events.v1+json",
  "application/vnd.docker.distribution.events.v2+json",
  "application/json",
];

/** Most events accepted in one envelope (v3 sends one per request, v2.x batches a few). More → 422. */
export const MAX_EVENTS_PER_DELIVERY = 1_000;

/** Media types of image manifests and indexes: the only pushes that can trigger a deployment. */
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
]);

const envelopeSchema = z.object({
  events: z
    .array(z.unknown())
    .max(MAX_EVENTS_PER_DELIVERY, `at most ${MAX_EVENTS_PER_DELIVERY} events per delivery`),
});

const eventHeadSchema = z.object({
  action: text(64),
  target: z
    .object({ mediaType: text(255).optional(), tag: text(255).optional(), url: text().optional() })
    .optional(),
});

const triggerSchema = z.object({
  id: text(200).optional(),
  target: z.object({ repository: repositoryText, tag: tagText, digest: digestText.optional() }),
  request: z.object({ host: z.string().max(255).refine(isRegistryHost, "must be a registry host[:port]") }),
  actor: z.object({ name: text(255).optional() }).optional(),
});

type Verdict = { readonly push: ImagePush } | { readonly ignored: string };

/** Distribution registry notifications, `POST /hooks/registry`; settings `sources.registry`. */
export const registrySource: SourceDescriptor<"registry"> = {
  name: "registry",
  settings: SOURCE_SETTINGS.registry,
  supportsWait: false,
  create: (settings) => createRegistrySource(settings),
};

/**
 * Distribution (`registry:2`/`registry:3`, Debian `docker-registry`, GitLab's registry)
 * notifications (docs/webhooks.md "Distribution registry"): `POST /hooks/registry`.
 *
 * - Auth: `Authorization: Bearer <sources.registry.bearer>`, a static header set in the registry's
 *   endpoint config; compared in constant time.
 * - Body: an envelope `{ events: [...] }` of at most {@link MAX_EVENTS_PER_DELIVERY} events. Only
 *   `action: "push"` of a manifest media type ({@link MANIFEST_MEDIA_TYPES}) with a non-empty
 *   `target.tag` triggers; blob pushes, untagged (per-platform) manifests, pulls, mounts and
 *   deletes are ignored with a reason (the registry retries non-2xx answers forever, so they must
 *   be acknowledged). Registry host = `request.host`, repository = `target.repository`, digest =
 *   `target.digest`, delivery id = the event `id`, pusher = `actor.name`.
 * - A triggering event with an invalid repository, tag, digest or host makes the whole delivery a
 *   422: a real registry never sends one.
 *
 * Fixtures: `test/fixtures/payloads/registry/` (real captures from Distribution 2.8.2, and a v3
 * `events.v2+json` envelope in the shape Distribution v3 documents).
 */
export function createRegistrySource(options: RegistrySourceOptions): Source {
  return {
    name: registrySource.name,
    supportsWait: registrySource.supportsWait,
    contentTypes: REGISTRY_CONTENT_TYPES,
    verify(request: WebhookRequest, _context: SourceContext): VerifiedCaller {
      verifyBearerSecret(request.headers, options.bearer);
      return {};
    },
    parse(json: unknown): ParsedDelivery {
      const { events } = parsePayload(envelopeSchema, json, "registry notification envelope");
      const pushes: ImagePush[] = [];
      const ignored = new Map<string, number>();
      const seenIds = new Set<string>();
      events.forEach((event, index) => {
        const verdict = judgeEvent(event, index);
        if ("ignored" in verdict) {
          ignored.set(verdict.ignored, (ignored.get(verdict.ignored) ?? 0) + 1);
        } else if (verdict.push.deliveryId === undefined || !seenIds.has(verdict.push.deliveryId)) {
          if (verdict.push.deliveryId !== undefined) seenIds.add(verdict.push.deliveryId);
          pushes.push(verdict.push);
        }
      });
      if (pushes.length > 0) return { pushes };
      if (events.length === 0) return { pushes, ignored: "the notification has no events" };
      const reasons = [...ignored].map(([reason, count]) =>
        count === 1 ? reason : `${reason} (${count} events)`,
      );
      return { pushes, ignored: reasons.join("; ") };
    },
  };
}

function judgeEvent(event: unknown, index: number): Verdict {
  const what = `registry event events[${index}]`;
  if (event === null || typeof event !== "object" || Array.isArray(event)) {
    throw invalidPayload(what, "an event must be an object");
  }
  const head = parsePayload(eventHeadSchema, event, what);
  if (head.action !== "push") return { ignored: `${head.action.slice(0, 20)} event (only pushes deploy)` };
  const mediaType = head.target?.mediaType ?? "";
  if (!MANIFEST_MEDIA_TYPES.has(mediaType)) {
    const isBlob = mediaType === "application/octet-stream" || head.target?.url?.includes("/blobs/") === true;
    return {
      ignored: isBlob
        ? "blob push"
        : `push of ${mediaType.slice(0, 80) || "unknown media type"} (not an image manifest)`,
    };
  }
  if (head.target?.tag === undefined || head.target.tag === "") {
    return { ignored: "untagged manifest push (a per-platform manifest of a multi-arch image)" };
  }
  const trigger = parsePayload(triggerSchema, event, what);
  const pusher = trigger.actor?.name;
  return {
    push: {
      registryHost: trigger.request.host.toLowerCase(),
      repository: trigger.target.repository,
      tag: trigger.target.tag,
      source: "registry",
      ...(trigger.target.digest === undefined ? {} : { digest: trigger.target.digest }),
      ...(trigger.id === undefined || trigger.id === "" ? {} : { deliveryId: trigger.id }),
      ...(pusher === undefined || pusher === "" ? {} : { pusher }),
    },
  };
}
