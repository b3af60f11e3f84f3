import { z } from "zod";

/**
 * The settings schema of every webhook source, keyed by its route name (`/hooks/<name>`): the
 * one list of source names. `mappingSchema`'s `sources:` object is built from it, and the sources
 * registry (`src/sources/registry.ts`) is a record over the same keys, so the compiler refuses a
 * source without settings or settings without a source. Secret fields are named so that
 * `collectSecrets` finds them (`token`, `bearer`, `jwtSecret`, `webhookSecret`).
 */
export const SOURCE_SETTINGS = {
  /** Docker Hub: the secret path segment of `/hooks/dockerhub/<token>`. */
  dockerhub: z.strictObject({ token: z.string().min(16, "token must be at least 16 characters") }),
  /** Distribution registries: the `Authorization: Bearer <bearer>` header value. */
  registry: z.strictObject({ bearer: z.string().min(16, "bearer must be at least 16 characters") }),
  /** CI callers with a JWT; exactly one of jwtSecret/jwtPublicKeyFile (checked by `crossCheckMapping`). */
  ci: z.strictObject({
    jwtSecret: z.string().min(32, "jwtSecret must be at least 32 characters").optional(),
    jwtPublicKeyFile: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
    issuer: z.string().min(1).optional(),
    /** true: a token works for one request (its `jti` is claimed); default: reusable until `exp` (ADR 0004). */
    singleUse: z.boolean().optional(),
  }),
  /** Harbor: the policy's Auth Header value (`<token>` or `Bearer <token>`). */
  harbor: z.strictObject({ token: z.string().min(16, "token must be at least 16 characters") }),
  /** Quay: the secret path segment of `/hooks/quay/<token>`. */
  quay: z.strictObject({ token: z.string().min(16, "token must be at least 16 characters") }),
  /** GHCR (GitHub package webhooks): the webhook secret behind `X-Hub-Signature-256`. */
  ghcr: z.strictObject({
    webhookSecret: z.string().min(16, "webhookSecret must be at least 16 characters"),
  }),
} as const;

/** A webhook source's route name (`dockerhub`, `registry`, `ci`, `harbor`, `quay`, `ghcr`). */
export type SourceName = keyof typeof SOURCE_SETTINGS;

type OptionalShape<T extends Readonly<Record<string, z.ZodType>>> = {
  -readonly [K in keyof T]: z.ZodOptional<T[K]>;
};

/** `sources:` of the mapping file: every registered source optional, nothing else allowed. */
export const sourcesSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(SOURCE_SETTINGS).map(([name, schema]) => [name, schema.optional()]),
  ) as OptionalShape<typeof SOURCE_SETTINGS>,
);
