import { createHash } from "node:crypto";
import { z } from "zod";
import { SOURCE_SETTINGS, type SourceSettings } from "../config/index.js";
import { ConfigError } from "../errors/index.js";
import { splitImageName, type ImagePush } from "../domain/index.js";
import { digestText, invalidPayload, parsePayload, tagText } from "./parse-payload.js";
import type {
  ParsedDelivery,
  Source,
  SourceContext,
  SourceDescriptor,
  VerifiedCaller,
  WebhookRequest,
} from "./source.js";
import { WebhookAuthError } from "./source-errors.js";
import { createCiTokenVerifier, type CiTokenKey } from "./verify-ci-token.js";
import { readBearerToken } from "./verify-secret.js";

/** Settings of the CI source (`sources.ci`); the caller reads `jwtPublicKeyFile` and passes its text. */
export interface CiSourceOptions {
  readonly key: CiTokenKey;
  readonly audience?: string;
  readonly issuer?: string;
  /**
   * `sources.ci.singleUse` (default false): claim each token's `jti` on first use and refuse any
   * later request with that token (401). Off: a token is good for any number of requests until `exp`.
   */
  readonly singleUse?: boolean;
}

const ciPushSchema = z.strictObject({
  image: z.string().min(1).max(255),
  tag: tagText,
  digest: digestText.optional(),
});

/** CI callers with a JWT, `POST /hooks/ci`; settings `sources.ci`; takes `?wait=`. */
export const ciSource: SourceDescriptor<"ci"> = {
  name: "ci",
  settings: SOURCE_SETTINGS.ci,
  supportsWait: true,
  create: (settings, deps) => createCiSource(ciSourceOptions(settings, deps.publicKeyText)),
};

/**
 * CI callers (Travis, CircleCI, GitHub Actions, GitLab CI, curl; docs/webhooks.md "CI jobs"):
 * `POST /hooks/ci` with `Authorization: Bearer <JWT>`.
 *
 * - Auth: a JWT signed HS256 with `sources.ci.jwtSecret`, or RS256/ES256 verified with the public
 *   key from `sources.ci.jwtPublicKeyFile`; the algorithm is pinned by the key (`none` and
 *   HS256-with-the-public-key are refused). `exp` and `jti` are required, `nbf` is honoured (with 30 s
 *   of tolerated clock skew), `aud`/`iss` are checked when configured. The `scope` claim
 *   (`{ images?, targets? }`) is returned as `VerifiedCaller.scope`, `sub` as the subject.
 * - Reuse (docs/adr/0004-ci-token-reuse.md): a token is good for any number of requests until its
 *   `exp`, so one long-lived token (`drover token create --ttl 90d`) can sit in a CI secret
 *   variable. Replays are caught by the delivery id instead: `ci:<jti>:<sha256 hex of the raw
 *   body>`. The same token with the same bytes again (a replay, `curl --retry` after a lost
 *   response) is the same delivery — the store answers with the first request's deployments and
 *   `duplicate: true`, creating nothing; the same token with another body (the next build's tag)
 *   is a new delivery. With `singleUse: true` each `jti` is instead claimed through
 *   `context.claimTokenId` on first use, and any later request with it is a 401 (reason
 *   `replayed`), even when the first request's body was then refused.
 * - Body (strict: unknown fields are a 422): `{ "image": "registry.example.com/shop/frontend",
 *   "tag": "1.4.2-22-7e56158", "digest"?: "sha256:…" }`. The image is split like Docker does (a
 *   first component with `.`/`:` or `localhost` is the registry host) and must be lower-case,
 *   without tag or digest. The push's delivery id is as above, its pusher the `sub`.
 *
 * Fixture: `test/fixtures/payloads/ci/push.json`.
 */
export function createCiSource(options: CiSourceOptions): Source {
  const verifyToken = createCiTokenVerifier(options);
  const tokenIds = new WeakMap<VerifiedCaller, string>();
  return {
    name: ciSource.name,
    supportsWait: ciSource.supportsWait,
    contentTypes: ["application/json"],
    verify(request: WebhookRequest, context: SourceContext): VerifiedCaller {
      const claims = verifyToken(readBearerToken(request.headers), context.now());
      if (options.singleUse === true && !context.claimTokenId(claims.jti, claims.expiresAt)) {
        throw new WebhookAuthError(
          "replayed",
          "this token was already used (sources.ci.singleUse is on: each CI token is good for one request)",
        );
      }
      const caller: VerifiedCaller = {
        ...(claims.subject === undefined ? {} : { subject: claims.subject }),
        ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      };
      tokenIds.set(caller, claims.jti);
      return caller;
    },
    parse(json: unknown, request: WebhookRequest, caller: VerifiedCaller): ParsedDelivery {
      const body = parsePayload(ciPushSchema, json, "CI push");
      const name = splitImageName(body.image);
      if (!name.ok) throw invalidPayload("CI push", `image: ${name.problem}`);
      const jti = tokenIds.get(caller);
      const push: ImagePush = {
        ...name.value,
        tag: body.tag,
        source: "ci",
        ...(body.digest === undefined ? {} : { digest: body.digest }),
        ...(jti === undefined ? {} : { deliveryId: ciDeliveryId(jti, request.rawBody) }),
        ...(caller.subject === undefined ? {} : { pusher: caller.subject }),
      };
      return { pushes: [push] };
    },
  };
}

/**
 * The delivery id of a CI request: `ci:<jti>:<sha256 hex of the raw body>`. The same token with
 * the same bytes is the same delivery (a replay or a retry); another body is a new one.
 */
export function ciDeliveryId(jti: string, rawBody: Buffer): string {
  return `ci:${jti}:${createHash("sha256").update(rawBody).digest("hex")}`;
}

/**
 * The CI source's options from `sources.ci`: the key is `jwtSecret`, or the text of
 * `jwtPublicKeyFile` that the caller read.
 *
 * @throws {ConfigError} when neither or both of jwtSecret/jwtPublicKeyFile are set, or when the
 *   public key file is set but its text was not passed.
 */
export function ciSourceOptions(
  ci: SourceSettings<"ci">,
  publicKeyText: string | undefined,
): CiSourceOptions {
  const { audience, issuer, singleUse } = ci;
  return {
    key: ciKey(ci, publicKeyText),
    ...(audience === undefined ? {} : { audience }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(singleUse === undefined ? {} : { singleUse }),
  };
}

function ciKey(ci: SourceSettings<"ci">, publicKeyText: string | undefined): CiTokenKey {
  const problem = (message: string) =>
    new ConfigError([
      { file: "sources.ci", path: "sources.ci", message, hint: "To resolve, fix sources.ci in the config" },
    ]);
  if ((ci.jwtSecret === undefined) === (ci.jwtPublicKeyFile === undefined)) {
    throw problem("set exactly one of jwtSecret (HS256) or jwtPublicKeyFile (RS256/ES256)");
  }
  if (ci.jwtSecret !== undefined) return { secret: ci.jwtSecret };
  if (publicKeyText === undefined) throw problem("jwtPublicKeyFile is set but its contents were not loaded");
  return { publicKeyText };
}
