/** Webhook sources: one adapter per sender turning a verified request into `ImagePush`es. */

/** The contract every source implements, and the request/caller types the ingest route passes. */
export type {
  ParsedDelivery,
  PushScope,
  Source,
  SourceContext,
  SourceDeps,
  SourceDescriptor,
  VerifiedCaller,
  WebhookRequest,
} from "./source.js";
/** The sources registry: one descriptor per webhook sender (name, settings schema, `?wait` support, factory). */
export { SOURCES, sourceDescriptor } from "./registry.js";
/** The configured sources by route name; see the function's TSDoc. */
export { createSources, type CreateSourcesOptions } from "./create-sources.js";
/** Docker Hub (docs/webhooks.md "Docker Hub"), `POST /hooks/dockerhub/:token`; fixture `test/fixtures/payloads/dockerhub/`. */
export {
  createDockerHubSource,
  dockerHubSource,
  DOCKER_HUB_CONTENT_TYPES,
  type DockerHubSourceOptions,
} from "./docker-hub-source.js";
/** Distribution notifications (docs/webhooks.md "Distribution registry"), `POST /hooks/registry`; fixtures `test/fixtures/payloads/registry/`. */
export {
  createRegistrySource,
  registrySource,
  MANIFEST_MEDIA_TYPES,
  MAX_EVENTS_PER_DELIVERY,
  REGISTRY_CONTENT_TYPES,
  type RegistrySourceOptions,
} from "./registry-source.js";
/** CI callers with a JWT (docs/webhooks.md "CI jobs"), `POST /hooks/ci`; fixture `test/fixtures/payloads/ci/`. */
export { ciSource, ciSourceOptions, createCiSource, type CiSourceOptions } from "./ci-source.js";
/** CI JWT verification (algorithm pinned by key, exp/jti required, scope claim). */
export {
  CI_CLOCK_TOLERANCE_SECONDS,
  createCiTokenVerifier,
  MAX_CI_TOKEN_LENGTH,
  type CiTokenClaims,
  type CiTokenKey,
  type CiTokenOptions,
} from "./verify-ci-token.js";
/** Harbor (docs/webhooks.md "Harbor"), `POST /hooks/harbor`; fixtures `test/fixtures/payloads/harbor/`. */
export {
  createHarborSource,
  harborSource,
  MAX_HARBOR_RESOURCES,
  type HarborSourceOptions,
} from "./harbor-source.js";
/** Quay (docs/webhooks.md "Quay"), `POST /hooks/quay/:token`; fixtures `test/fixtures/payloads/quay/`. */
export { createQuaySource, quaySource, MAX_QUAY_TAGS, type QuaySourceOptions } from "./quay-source.js";
/** GHCR via GitHub package webhooks (docs/webhooks.md "GHCR"), `POST /hooks/ghcr`; fixtures `test/fixtures/payloads/ghcr/`. */
export { createGhcrSource, ghcrSource, GHCR_HOST, type GhcrSourceOptions } from "./ghcr-source.js";
/** Errors thrown by `verify`: 401 with a machine-readable reason, 400 for a missing header. */
export { MissingHeaderError, WebhookAuthError, type WebhookAuthReason } from "./source-errors.js";
/** Constant-time secret comparison and HMAC-SHA256 verification over raw bytes. */
export {
  readBearerToken,
  readHeader,
  secretsEqual,
  verifyBearerSecret,
  verifyHmacSha256,
} from "./verify-secret.js";
