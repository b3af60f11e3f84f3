import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { WebhookAuthError } from "./source-errors.js";

/**
 * Compares a presented secret with the expected one in constant time. Both sides are hashed
 * (SHA-256) first, so neither the length nor any prefix of the expected secret leaks through timing.
 */
export function secretsEqual(presented: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Checks a `sha256=<hex>` signature header (GitHub's `X-Hub-Signature-256` convention) against
 * HMAC-SHA256(secret, rawBody), computed over the exact bytes received. Constant time; false for
 * a missing prefix, non-hex text or a wrong length.
 */
export function verifyHmacSha256(
  rawBody: Buffer,
  secret: string,
  signature: string,
  prefix = "sha256=",
): boolean {
  if (!signature.startsWith(prefix)) return false;
  const hex = signature.slice(prefix.length).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(hex, "hex"), expected);
}

/**
 * One header's value. Node lower-cases header names; a header sent twice arrives joined with ", "
 * (or as an array, which is joined the same way) so that it never verifies as a single credential.
 */
export function readHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (Array.isArray(value)) return value.join(", ");
  return value;
}

/**
 * The credentials of an `Authorization: Bearer <token>` header.
 *
 * @throws {WebhookAuthError} `missing-credentials` without the header, `wrong-scheme` for another scheme.
 */
export function readBearerToken(headers: IncomingHttpHeaders): string {
  const header = readHeader(headers, "authorization")?.trim();
  if (header === undefined || header === "") {
    throw new WebhookAuthError(
      "missing-credentials",
      "missing Authorization header (expected: Bearer <token>)",
    );
  }
  const match = /^(\S+)\s+(\S+)$/.exec(header);
  if (match === null || match[1]?.toLowerCase() !== "bearer") {
    throw new WebhookAuthError("wrong-scheme", "the Authorization header must use the Bearer scheme");
  }
  return match[2] ?? "";
}

/**
 * Checks a bearer token against the configured one (constant time).
 *
 * @throws {WebhookAuthError} missing header, another scheme, or a wrong token.
 */
export function verifyBearerSecret(headers: IncomingHttpHeaders, expected: string): void {
  if (!secretsEqual(readBearerToken(headers), expected)) {
    throw new WebhookAuthError("wrong-credentials", "the bearer token is not valid");
  }
}
