import type { IncomingHttpHeaders } from "node:http";
import type { SOURCE_SETTINGS, SourceName, SourceSettings } from "../config/index.js";
import type { ImagePush } from "../domain/index.js";

/** The parts of an HTTP request a source may look at (no express objects in the domain). */
export interface WebhookRequest {
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received: signatures are verified on these bytes. */
  readonly rawBody: Buffer;
  /** Route parameters, e.g. `{ token }` for `/hooks/dockerhub/:token`. */
  readonly params: Readonly<Record<string, string>>;
}

/** Services a source may need while verifying (injected; never globals). */
export interface SourceContext {
  readonly now: () => Date;
  /** Records a CI token id until it expires; false when it was seen before (a replay). */
  readonly claimTokenId: (jti: string, expiresAt: string) => boolean;
}

/** Limits a verified caller to some images and/or targets (the CI token's `scope` claim). */
export interface PushScope {
  /** Image patterns the caller may push (normalised names; `*` glob allowed). Absent = any. */
  readonly images?: readonly string[];
  /** Target patterns `environment/stack/service` (`*` glob per segment). Absent = any. */
  readonly targets?: readonly string[];
}

/** What `verify` learned about the caller. */
export interface VerifiedCaller {
  /** The JWT subject or similar, for the log (never a secret). */
  readonly subject?: string;
  readonly scope?: PushScope;
}

/** A parsed delivery: zero or more pushes, or why it is valid but irrelevant. */
export interface ParsedDelivery {
  readonly pushes: readonly ImagePush[];
  /** Set when `pushes` is empty: why the delivery triggers nothing (e.g. "blob push"). */
  readonly ignored?: string;
}

/**
 * One webhook sender. The ingest route checks, in order: content type (`contentTypes`, 415),
 * `verify` on the raw body (WebhookAuthError 401; required headers missing: 400), JSON syntax
 * (400), then `parse` (PayloadInvalidError 422 for JSON that is not a push).
 */
export interface Source {
  /** The route name (`/hooks/<name>`), also `ImagePush.source` of its pushes. */
  readonly name: SourceName;
  /** Whether the hook takes `?wait=SECONDS` (CI jobs wait for their deploy; registries must not). */
  readonly supportsWait: boolean;
  /** Accepted media types, lower-case, without parameters. */
  readonly contentTypes: readonly string[];
  verify(request: WebhookRequest, context: SourceContext): VerifiedCaller;
  parse(json: unknown, request: WebhookRequest, caller: VerifiedCaller): ParsedDelivery;
}

/** What a source's factory may need besides its settings (no I/O happens in a factory). */
export interface SourceDeps {
  /** The text of `sources.ci.jwtPublicKeyFile`, read by the caller. */
  readonly publicKeyText?: string;
}

/**
 * One entry of the sources registry (`SOURCES` in `registry.ts`): everything drover needs to know
 * about a webhook sender. The settings schema is the config's (`SOURCE_SETTINGS[name]`), since
 * `config` imports nothing of `sources`; `create` turns validated settings into the route's
 * {@link Source}, whose `name` and `supportsWait` are the descriptor's.
 */
export interface SourceDescriptor<N extends SourceName = SourceName> {
  readonly name: N;
  /** The zod schema of `sources.<name>` in the mapping file. */
  readonly settings: (typeof SOURCE_SETTINGS)[N];
  /** Whether `POST /hooks/<name>?wait=SECONDS` is allowed. */
  readonly supportsWait: boolean;
  /**
   * @throws {ConfigError} when the settings are valid on their own but unusable (e.g. a CI key).
   */
  create(settings: SourceSettings<N>, deps: SourceDeps): Source;
}
