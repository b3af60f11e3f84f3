import { AppError } from "../errors/index.js";

/** Stable codes of a failed notification delivery. */
export const NOTIFY_ERR = {
  /** The request failed before an answer (connection refused, reset, DNS…); retryable. */
  NETWORK: "ERR_NOTIFY_NETWORK",
  /** No answer within the timeout, or the delivery was stopped by shutdown; retryable. */
  TIMEOUT: "ERR_NOTIFY_TIMEOUT",
  /** 408, 429 or 5xx; retryable. */
  HTTP: "ERR_NOTIFY_HTTP",
  /** Any other 4xx; not retryable. */
  REJECTED: "ERR_NOTIFY_REJECTED",
  /** A 3xx (redirects are never followed); not retryable. */
  REDIRECT: "ERR_NOTIFY_REDIRECT",
  /** The notifier refused to send (e.g. a callback URL outside the sender's domain); not retryable. */
  REFUSED: "ERR_NOTIFY_REFUSED",
} as const;

/** One of {@link NOTIFY_ERR}. */
export type NotificationErrorCode = (typeof NOTIFY_ERR)[keyof typeof NOTIFY_ERR];

export interface NotificationErrorOptions {
  /** Whether another attempt may succeed (network errors, timeouts, 408, 429, 5xx). */
  readonly retryable: boolean;
  readonly httpStatus?: number;
  /** From a 429's `Retry-After`, in milliseconds. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A notification that could not be delivered. Never reaches the engine: the dispatcher logs it
 * at warn. The message names the destination only through `safeUrl` (scheme and host).
 */
export class NotificationError extends AppError {
  readonly code: NotificationErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: NotificationErrorCode, message: string, options: NotificationErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
  }
}
