import { z } from "zod";
import { SOURCE_SETTINGS } from "../config/index.js";
import { DIGEST_PATTERN, REPOSITORY_PATTERN, type ImagePush } from "../domain/index.js";
import { invalidPayload, parsePayload, tagText, text } from "./parse-payload.js";
import type {
  ParsedDelivery,
  Source,
  SourceContext,
  SourceDescriptor,
  VerifiedCaller,
  WebhookRequest,
} from "./source.js";
import { MissingHeaderError, WebhookAuthError } from "./source-errors.js";
import { readHeader, verifyHmacSha256 } from "./verify-secret.js";

/** Settings of the GHCR source (`sources.ghcr`). */
export interface GhcrSourceOptions {
  /** The GitHub webhook's secret (HMAC-SHA256 key of `X-Hub-Signature-256`). */
  readonly webhookSecret: string;
}

/** The registry every GitHub package event refers to. */
export const GHCR_HOST = "ghcr.io";
const PACKAGE_EVENTS: ReadonlySet<string> = new Set(["package", "registry_package"]);
const PUSH_ACTIONS: ReadonlySet<string> = new Set(["published", "updated"]);
const CONTAINER_TYPES: ReadonlySet<string> = new Set(["CONTAINER", "DOCKER"]);

const headSchema = z.object({ action: text(64), sender: z.object({ login: text(255).nullish() }).nullish() });

const packageSchema = z.object({
  name: text(255),
  namespace: text(255).nullish(),
  owner: z.object({ login: text(255) }).nullish(),
  package_type: text(64).nullish(),
  ecosystem: text(64).nullish(),
  package_version: z
    .object({
      version: text(255).nullish(),
      container_metadata: z
        .object({
          tag: z.object({ name: text(255).nullish(), digest: text(255).nullish() }).nullish(),
          manifest: z.object({ digest: text(255).nullish() }).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

/** GHCR via GitHub package webhooks, `POST /hooks/ghcr`; settings `sources.ghcr`. */
export const ghcrSource: SourceDescriptor<"ghcr"> = {
  name: "ghcr",
  settings: SOURCE_SETTINGS.ghcr,
  supportsWait: false,
  create: (settings) => createGhcrSource(settings),
};

/**
 * GitHub Container Registry via GitHub `package` / `registry_package` webhooks (docs/webhooks.md "GHCR"):
 * `POST /hooks/ghcr`.
 *
 * - Auth: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(sources.ghcr.webhookSecret, raw body)>`,
 *   checked in constant time over the exact bytes received. `X-GitHub-Event` is required (400).
 * - Content type: `application/json` only — set the webhook's content type to JSON (GitHub's
 *   form-encoded option wraps the JSON in `payload=` and is refused with 415).
 * - Body: `published`/`updated` container packages only → one push: registry `ghcr.io`,
 *   repository `<namespace>/<name>` lower-cased (GitHub keeps the owner's casing; OCI names are
 *   lower-case), tag `package_version.container_metadata.tag.name`, digest from the same object,
 *   pusher `sender.login`, delivery id `X-GitHub-Delivery` (GitHub reuses it on redelivery).
 *   `ping`, other events and actions, non-container packages and untagged (per-platform)
 *   versions are ignored with a reason.
 *
 * Fixture: `test/fixtures/payloads/ghcr/package-published.json`.
 */
export function createGhcrSource(options: GhcrSourceOptions): Source {
  return {
    name: ghcrSource.name,
    supportsWait: ghcrSource.supportsWait,
    contentTypes: ["application/json"],
    verify(request: WebhookRequest, _context: SourceContext): VerifiedCaller {
      if (readHeader(request.headers, "x-github-event") === undefined)
        throw new MissingHeaderError("X-GitHub-Event");
      const signature = readHeader(request.headers, "x-hub-signature-256");
      if (signature === undefined || signature === "") {
        throw new WebhookAuthError(
          "missing-credentials",
          "missing X-Hub-Signature-256 (set a secret on the webhook)",
        );
      }
      if (!verifyHmacSha256(request.rawBody, options.webhookSecret, signature)) {
        throw new WebhookAuthError("bad-signature", "X-Hub-Signature-256 does not match the body");
      }
      return {};
    },
    parse(json: unknown, request: WebhookRequest): ParsedDelivery {
      const event = readHeader(request.headers, "x-github-event") ?? "";
      if (event === "ping") return { pushes: [], ignored: "GitHub ping" };
      if (!PACKAGE_EVENTS.has(event)) {
        return { pushes: [], ignored: `GitHub ${event.slice(0, 40)} event (only package events deploy)` };
      }
      const head = parsePayload(headSchema, json, "GitHub package event");
      if (!PUSH_ACTIONS.has(head.action)) {
        return { pushes: [], ignored: `package ${head.action.slice(0, 40)} (only published/updated deploy)` };
      }
      const pkg = parsePayload(
        packageSchema,
        (json as Record<string, unknown>)[event],
        `GitHub ${event}.package`,
      );
      const type = (pkg.package_type ?? pkg.ecosystem ?? "").toUpperCase();
      if (!CONTAINER_TYPES.has(type)) return { pushes: [], ignored: "not a container package" };
      const metadata = pkg.package_version?.container_metadata;
      const tag = metadata?.tag?.name ?? "";
      if (tag === "") return { pushes: [], ignored: "untagged package version (a per-platform manifest)" };
      if (!tagText.safeParse(tag).success) {
        throw invalidPayload(
          "GitHub package event",
          `${event}.package_version.container_metadata.tag.name: must be a Docker tag`,
        );
      }
      const owner = pkg.namespace ?? pkg.owner?.login ?? "";
      const repository = `${owner}/${pkg.name}`.toLowerCase();
      if (owner === "" || !REPOSITORY_PATTERN.test(repository)) {
        throw invalidPayload(
          "GitHub package event",
          `${event}.namespace/name: not a container repository name`,
        );
      }
      const digest = [metadata?.tag?.digest, metadata?.manifest?.digest, pkg.package_version?.version].find(
        (candidate): candidate is string => typeof candidate === "string" && DIGEST_PATTERN.test(candidate),
      );
      const deliveryId = readHeader(request.headers, "x-github-delivery");
      const pusher = head.sender?.login;
      const push: ImagePush = {
        registryHost: GHCR_HOST,
        repository,
        tag,
        source: "ghcr",
        ...(digest === undefined ? {} : { digest }),
        ...(deliveryId === undefined || deliveryId === "" || deliveryId.length > 200 ? {} : { deliveryId }),
        ...(typeof pusher === "string" && pusher !== "" ? { pusher } : {}),
      };
      return { pushes: [push] };
    },
  };
}
