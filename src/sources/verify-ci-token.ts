import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { z } from "zod";
import { ConfigError } from "../errors/index.js";
import type { PushScope } from "./source.js";
import { WebhookAuthError } from "./source-errors.js";

/** How CI tokens are signed: a shared HS256 secret, or a PEM public key (RSA → RS256, EC P-256 → ES256). */
export type CiTokenKey = { readonly secret: string } | { readonly publicKeyText: string };

export interface CiTokenOptions {
  readonly key: CiTokenKey;
  /** Required `aud` (when set). */
  readonly audience?: string;
  /** Required `iss` (when set). */
  readonly issuer?: string;
}

/** What a valid CI token says. */
export interface CiTokenClaims {
  readonly jti: string;
  /** `exp` as an ISO-8601 UTC string. */
  readonly expiresAt: string;
  readonly subject?: string;
  readonly scope?: PushScope;
}

/** Tolerated clock skew between the CI runner and drover for `exp` and `nbf`, in seconds. */
export const CI_CLOCK_TOLERANCE_SECONDS = 30;
/** Longest token accepted (header limits bound it anyway). */
export const MAX_CI_TOKEN_LENGTH = 8_192;
/** Latest `exp` that still converts to a date (9999-12-31). */
const MAX_EXP_SECONDS = 253_402_300_799;

const scopeSchema = z.strictObject({
  images: z.array(z.string().min(1).max(300)).max(100).optional(),
  targets: z.array(z.string().min(1).max(300)).max(100).optional(),
});

const headerSchema = z.object({ alg: z.string().max(20), crit: z.unknown().optional() });

/**
 * Builds a verifier for CI JWTs with the algorithm pinned by the key: `HS256` for a secret, `RS256`
 * for an RSA public key, `ES256` for an EC P-256 public key. Any other `alg` — `none`, or `HS256`
 * signed with the public key text (algorithm confusion) — is refused before the signature is
 * looked at.
 *
 * @throws {ConfigError} when the public key text is not a usable RSA or EC P-256 public key.
 */
export function createCiTokenVerifier(options: CiTokenOptions): (token: string, now: Date) => CiTokenClaims {
  const { key, algorithm } = loadKey(options.key);
  return (token, now) => {
    checkHeader(token, algorithm);
    const payload = verifySignatureAndTimes(token, key, algorithm, now, options);
    return readClaims(payload);
  };
}

function loadKey(key: CiTokenKey): { key: KeyObject; algorithm: jwt.Algorithm } {
  if ("secret" in key) return { key: createSecretKey(Buffer.from(key.secret, "utf8")), algorithm: "HS256" };
  const problem = (message: string) =>
    new ConfigError([
      {
        file: "sources.ci.jwtPublicKeyFile",
        path: "sources.ci.jwtPublicKeyFile",
        message,
        hint: "To resolve, point jwtPublicKeyFile at a PEM public key: RSA (2048 bits or more) or EC P-256",
      },
    ]);
  if (/PRIVATE KEY/.test(key.publicKeyText))
    throw problem("the file holds a private key; give drover only the public key");
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(key.publicKeyText);
  } catch {
    throw problem("the file is not a PEM public key");
  }
  const details = publicKey.asymmetricKeyDetails;
  if (publicKey.asymmetricKeyType === "rsa" && (details?.modulusLength ?? 0) >= 2048) {
    return { key: publicKey, algorithm: "RS256" };
  }
  if (publicKey.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1") {
    return { key: publicKey, algorithm: "ES256" };
  }
  throw problem(
    `unsupported key type ${publicKey.asymmetricKeyType ?? "unknown"} (use RSA ≥ 2048 bits or EC P-256)`,
  );
}

function checkHeader(token: string, algorithm: jwt.Algorithm): void {
  const parts = token.split(".");
  if (
    token.length > MAX_CI_TOKEN_LENGTH ||
    parts.length !== 3 ||
    !parts.every((part) => /^[\w-]*$/.test(part))
  ) {
    throw new WebhookAuthError("malformed-token", "the bearer token is not a JWT");
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? "", "base64url").toString("utf8"));
  } catch {
    throw new WebhookAuthError("malformed-token", "the JWT header is not JSON");
  }
  const parsed = headerSchema.safeParse(header);
  if (!parsed.success) throw new WebhookAuthError("malformed-token", "the JWT header has no valid alg");
  if (parsed.data.alg !== algorithm) {
    throw new WebhookAuthError(
      "algorithm-not-allowed",
      `JWT algorithm not allowed; drover accepts only ${algorithm}`,
    );
  }
  if (parsed.data.crit !== undefined) {
    throw new WebhookAuthError("malformed-token", "JWT crit header parameters are not supported");
  }
}

function verifySignatureAndTimes(
  token: string,
  key: KeyObject,
  algorithm: jwt.Algorithm,
  now: Date,
  options: CiTokenOptions,
): unknown {
  try {
    return jwt.verify(token, key, {
      algorithms: [algorithm],
      clockTimestamp: Math.floor(now.getTime() / 1000),
      clockTolerance: CI_CLOCK_TOLERANCE_SECONDS,
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    });
  } catch (error) {
    throw translateJwtError(error);
  }
}

function translateJwtError(error: unknown): WebhookAuthError {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : "";
  if (name === "TokenExpiredError") return new WebhookAuthError("expired", "the token has expired");
  if (name === "NotBeforeError")
    return new WebhookAuthError("not-yet-valid", "the token is not valid yet (nbf)");
  if (message.startsWith("jwt audience invalid")) {
    return new WebhookAuthError("wrong-audience", "the token's audience (aud) is not drover's");
  }
  if (message.startsWith("jwt issuer invalid")) {
    return new WebhookAuthError("wrong-issuer", "the token's issuer (iss) is not the configured one");
  }
  if (message === "invalid signature")
    return new WebhookAuthError("bad-signature", "the token signature is not valid");
  if (message === "invalid algorithm")
    return new WebhookAuthError("algorithm-not-allowed", "JWT algorithm not allowed");
  return new WebhookAuthError("malformed-token", "the token could not be verified");
}

function readClaims(payload: unknown): CiTokenClaims {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new WebhookAuthError("malformed-token", "the token payload is not a JSON object");
  }
  const claims = payload as Record<string, unknown>;
  const exp = claims["exp"];
  if (typeof exp !== "number" || !Number.isFinite(exp) || exp <= 0 || exp > MAX_EXP_SECONDS) {
    throw new WebhookAuthError("missing-claim", "the token needs an exp (expiry) claim");
  }
  const jti = claims["jti"];
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 200) {
    throw new WebhookAuthError("missing-claim", "the token needs a jti (token id) claim of 1–200 characters");
  }
  let scope: PushScope | undefined;
  if (claims["scope"] !== undefined) {
    const parsed = scopeSchema.safeParse(claims["scope"]);
    if (!parsed.success) {
      throw new WebhookAuthError(
        "bad-scope",
        "the token's scope claim must be { images?: string[], targets?: string[] }",
      );
    }
    scope = {
      ...(parsed.data.images === undefined ? {} : { images: parsed.data.images }),
      ...(parsed.data.targets === undefined ? {} : { targets: parsed.data.targets }),
    };
  }
  const sub = claims["sub"];
  return {
    jti,
    expiresAt: new Date(Math.ceil(exp) * 1000).toISOString(),
    ...(typeof sub === "string" && sub !== "" && sub.length <= 200 ? { subject: sub } : {}),
    ...(scope === undefined ? {} : { scope }),
  };
}
