import { createHmac, timingSafeEqual } from "node:crypto";

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export const SIGNATURE_HEADER = "x-drover-signature-256";
/** Unix time in whole seconds when the attempt was signed; part of the signed material. */
export const TIMESTAMP_HEADER = "x-drover-timestamp";
/** `deployment.started` or `deployment.finished`. */
export const EVENT_HEADER = "x-drover-event";
/** A UUID per event and destination, the same on every retry (receivers dedupe on it). */
export const DELIVERY_HEADER = "x-drover-delivery";

/**
 * Signs one webhook attempt. The signed material is the timestamp (decimal Unix seconds, as sent
 * in `X-Drover-Timestamp`), a full stop, then the raw body bytes exactly as sent:
 * `HMAC-SHA256(secret, "1755770102.{...}")`, hex-encoded lower case, prefixed `sha256=`.
 * Binding the timestamp stops replays: receivers reject timestamps older than their tolerance
 * (5 minutes is suggested) and dedupe on `X-Drover-Delivery` within it.
 *
 * @example signWebhookPayload("s3cr3t-key-0123456789", 1755770102, '{"a":1}') // "sha256=…"
 */
export function signWebhookPayload(
  secret: string,
  timestampSeconds: number,
  rawBody: string | Buffer,
): string {
  const hmac = createHmac("sha256", secret);
  hmac.update(`${timestampSeconds}.`);
  hmac.update(rawBody);
  return `sha256=${hmac.digest("hex")}`;
}

export interface VerifyWebhookSignatureInput {
  readonly secret: string;
  readonly rawBody: string | Buffer;
  /** `X-Drover-Signature-256` as received. */
  readonly signature: string | undefined;
  /** `X-Drover-Timestamp` as received. */
  readonly timestamp: string | undefined;
  /** Current Unix time in seconds. */
  readonly nowSeconds: number;
  /** Largest accepted |now − timestamp|, seconds. Default 300. */
  readonly toleranceSeconds?: number;
}

/**
 * The receiver's side (for tests and for people writing receivers in Node): a constant-time
 * comparison of the expected signature, and the timestamp within the tolerance.
 */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): boolean {
  const { signature, timestamp } = input;
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const seconds = Number(timestamp);
  if (Math.abs(input.nowSeconds - seconds) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhookPayload(input.secret, seconds, input.rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
