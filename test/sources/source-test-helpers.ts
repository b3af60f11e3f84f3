import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PayloadInvalidError } from "../../src/errors/index.js";
import { WebhookAuthError, type SourceContext, type WebhookRequest } from "../../src/sources/index.js";

/** Parsed JSON, typed as loosely as `JSON.parse` returns it: tests mutate fixtures freely. */
export type Json = ReturnType<typeof JSON.parse>;

const PAYLOADS = fileURLToPath(new URL("../fixtures/payloads/", import.meta.url));

/** A fresh copy of a JSON fixture under `test/fixtures/payloads/`. */
export function readFixture(path: string): Json {
  return JSON.parse(readFileSync(PAYLOADS + path, "utf8"));
}

/** A captured delivery `{ headers, body }` (the registry captures). */
export function readCapture(path: string): { headers: Record<string, string>; body: Json } {
  return readFixture(path);
}

/** A request as the ingest route builds it; `body` is serialised unless it is a Buffer. */
export function makeRequest(
  options: {
    headers?: Record<string, string | string[]>;
    body?: unknown;
    params?: Record<string, string>;
  } = {},
): WebhookRequest {
  const body = options.body;
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body === undefined ? "" : JSON.stringify(body));
  return { headers: options.headers ?? {}, rawBody, params: options.params ?? {} };
}

/** A source context with a fixed clock and an in-memory token-id store. */
export function makeContext(now = new Date("2026-08-21T10:00:00Z")): SourceContext & {
  readonly claimed: Map<string, string>;
} {
  const claimed = new Map<string, string>();
  return {
    claimed,
    now: () => now,
    claimTokenId: (jti, expiresAt) => {
      if (claimed.has(jti)) return false;
      claimed.set(jti, expiresAt);
      return true;
    },
  };
}

/** The WebhookAuthError `fn` throws (fails the test when it throws nothing or something else). */
export function authFailure(fn: () => unknown): WebhookAuthError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookAuthError) return error;
    throw error;
  }
  throw new Error("expected a WebhookAuthError, nothing was thrown");
}

/** The PayloadInvalidError `fn` throws (fails the test otherwise). */
export function payloadFailure(fn: () => unknown): PayloadInvalidError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PayloadInvalidError) return error;
    throw error;
  }
  throw new Error("expected a PayloadInvalidError, nothing was thrown");
}
