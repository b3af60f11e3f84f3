/**
 * An app with every registered webhook source (`SOURCES`) configured, the fixtures that trigger each rule, and the
 * credentials each hook needs — shared by the per-source HTTP tests and the hostile-body fuzz test.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import jwt from "jsonwebtoken";
import type { App } from "../../src/app.js";
import type { SourceName } from "../../src/config/index.js";
import { SOURCES } from "../../src/sources/index.js";
import { createTestApp } from "./test-app.js";

export type { SourceName };

/**
 * The route names (`/hooks/<name>`) of every registered source. The per-source tables below are
 * records over `SourceName`, so registering a source without its test data does not compile.
 */
export const SOURCE_NAMES: readonly SourceName[] = SOURCES.map((source) => source.name);

export const SECRETS: Readonly<Record<SourceName, string>> = {
  dockerhub: "dockerhub-url-token-0123456789abcdef",
  registry: "registry-bearer-token-0123456789abcdef",
  ci: "ci-jwt-secret-0123456789abcdef0123456789abcdef",
  harbor: "harbor-auth-header-0123456789abcdef",
  quay: "quay-url-token-0123456789abcdef",
  ghcr: "ghcr-webhook-secret-0123456789abcdef",
};

/** Each source's `sources.<name>` settings in {@link hooksConfig} (YAML flow mapping). */
const SOURCE_SETTINGS_YAML: Readonly<Record<SourceName, string>> = {
  dockerhub: `{ token: "${SECRETS.dockerhub}" }`,
  registry: `{ bearer: "${SECRETS.registry}" }`,
  ci: `{ jwtSecret: "${SECRETS.ci}" }`,
  harbor: `{ token: "${SECRETS.harbor}" }`,
  quay: `{ token: "${SECRETS.quay}" }`,
  ghcr: `{ webhookSecret: "${SECRETS.ghcr}" }`,
};

/** The image each source's fixture pushes (as the rules name it). */
const FIXTURE_IMAGES: Readonly<Record<SourceName, string>> = {
  dockerhub: "acme/api",
  registry: "127.0.0.1:5055/team/api",
  ci: "registry.example.com/shop/frontend",
  harbor: "harbor.example.com/payments/ledger/api",
  quay: "quay.io/acme/api",
  ghcr: "ghcr.io/acme/api",
};

/** The tag each source's fixture pushes (see {@link validPayload}). */
export const FIXTURE_TAGS: Readonly<Record<SourceName, string>> = {
  dockerhub: "1.4.2",
  registry: "1.0.1",
  ci: "1.4.2-22-7e56158",
  harbor: "2.0.7",
  quay: "1.4.2",
  ghcr: "1.4.2",
};

export interface HooksConfigOptions {
  readonly bodyLimit?: string;
  readonly rateLimitMax?: number;
  /** Rules match only the fixtures' exact tags (default: any tag, `glob: "*"`). */
  readonly exactTags?: boolean;
}

/** A mapping file with every registered source and one rule per fixture image. */
export function hooksConfig(options: HooksConfigOptions = {}): string {
  const tags = (source: SourceName): string =>
    options.exactTags === true ? `{ exact: "${FIXTURE_TAGS[source]}" }` : '{ glob: "*" }';
  return `
storage: { path: ":memory:" }
server:
  bodyLimit: ${options.bodyLimit ?? "1mb"}
  rateLimit: { window: 1m, max: ${options.rateLimitMax ?? 100000} }
environments:
  demo: { simulator: default, timeScale: 0.02 }
sources:
${SOURCE_NAMES.map((source) => `  ${source}: ${SOURCE_SETTINGS_YAML[source]}`).join("\n")}
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 10s
  verify: { soak: 100ms, timeout: 5s }
rules:
${SOURCE_NAMES.map(
  (source) => `  - image: ${FIXTURE_IMAGES[source]}
    tags: ${tags(source)}
    targets: [{ environment: demo, stack: shop, service: frontend }]`,
).join("\n")}
`;
}

/** An app built from {@link hooksConfig} (not listening; pass `app.http` to supertest). */
export function buildHooksApp(options: HooksConfigOptions = {}): App {
  return createTestApp(hooksConfig(options)).app;
}

const PAYLOADS = new URL("../fixtures/payloads/", import.meta.url);

/** A fresh parsed copy of `test/fixtures/payloads/<path>`. */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, PAYLOADS), "utf8"));
}

/** The body of a registry capture (`{ headers, body }`). */
export function captureBody(path: string): unknown {
  return (fixture(path) as { body: unknown }).body;
}

/** The payload that makes each source create a deployment. */
export function validPayload(source: SourceName): unknown {
  switch (source) {
    case "dockerhub":
      return fixture("dockerhub/push.json");
    case "registry":
      return captureBody("registry/distribution-2.8.2-manifest-push-tag.json");
    case "ci":
      return fixture("ci/push.json");
    case "harbor":
      return fixture("harbor/push-artifact-cloudevents.json");
    case "quay":
      return fixture("quay/push.json");
    case "ghcr":
      return fixture("ghcr/package-published.json");
  }
}

/** The content type each sender really uses. */
export const CONTENT_TYPES: Readonly<Record<SourceName, string>> = {
  dockerhub: "application/json",
  registry: "application/vnd.docker.distribution.events.v1+json",
  ci: "application/json",
  harbor: "application/json",
  quay: "application/json",
  ghcr: "application/json",
};

/** The path of a hook (token sources carry the token in the path). */
export function hookPath(source: SourceName, token?: string): string {
  if (source === "dockerhub") return `/hooks/dockerhub/${encodeURIComponent(token ?? SECRETS.dockerhub)}`;
  if (source === "quay") return `/hooks/quay/${encodeURIComponent(token ?? SECRETS.quay)}`;
  return `/hooks/${source}`;
}

/** A fresh CI token (HS256, `exp` in 5 minutes, a new `jti`). */
export function ciToken(
  claims: Record<string, unknown> = {},
  secret: string = SECRETS.ci,
  options: jwt.SignOptions = {},
): string {
  return jwt.sign({ sub: "ci-test", ...claims }, secret, {
    algorithm: "HS256",
    expiresIn: 300,
    jwtid: randomUUID(),
    ...options,
  });
}

/** `sha256=<hex HMAC>` of GitHub's `X-Hub-Signature-256`. */
export function ghcrSignature(body: Buffer | string, secret: string = SECRETS.ghcr): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Valid credentials for `source` and `body` (a fresh JWT for CI; an HMAC over exactly these bytes for GHCR). */
export function validHeaders(source: SourceName, body: Buffer | string): Record<string, string> {
  switch (source) {
    case "dockerhub":
    case "quay":
      return {};
    case "registry":
      return { authorization: `Bearer ${SECRETS.registry}` };
    case "ci":
      return { authorization: `Bearer ${ciToken()}` };
    case "harbor":
      return { authorization: SECRETS.harbor };
    case "ghcr":
      return {
        "x-github-event": "package",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": ghcrSignature(body),
      };
  }
}

/**
 * For supertest's `.serialize()`: send a Buffer body byte for byte. Without it superagent
 * JSON-encodes a Buffer sent with a JSON content type (`{"type":"Buffer","data":[…]}`). The
 * declared return type is superagent's (`string`); a Buffer is written as it is.
 */
export const bytesAsIs = (body: Buffer): string => body as unknown as string;
