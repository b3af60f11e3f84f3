import { AppError } from "../errors/index.js";

/** Stable codes of a failed notification delivery. */
export type NotificationErrorCode =
  | "ERR_NOTIFY_NETWORK"
  | "ERR_NOTIFY_TIMEOUT"
  | "ERR_NOTIFY_HTTP"
  | "ERR_NOTIFY_REJECTED"
  | "ERR_NOTIFY_REDIRECT"
  | "ERR_NOTIFY_REFUSED";

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
