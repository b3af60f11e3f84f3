import { AppError } from "./app-error.js";

/** 404 for a route that does not exist. */
export class RouteNotFoundError extends AppError {
  readonly code = "ERR_ROUTE_NOT_FOUND";
  override readonly status = 404;
}

/** 400: the body is not valid JSON (or otherwise unreadable). */
export class MalformedBodyError extends AppError {
  readonly code = "ERR_PAYLOAD_MALFORMED";
  override readonly status = 400;
}

/** 413: the body is larger than the configured limit. */
export class PayloadTooLargeError extends AppError {
  readonly code = "ERR_PAYLOAD_TOO_LARGE";
  override readonly status = 413;
}

/** 415: the request's Content-Type is not one the endpoint accepts. */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = "ERR_CONTENT_TYPE";
  override readonly status = 415;
}

/** 422: well-formed JSON that does not describe what the endpoint expects. */
export class PayloadInvalidError extends AppError {
  readonly code = "ERR_PAYLOAD_INVALID";
  override readonly status = 422;
}

/** 401: missing or wrong credentials. */
export class AuthError extends AppError {
  readonly code = "ERR_AUTH";
  override readonly status = 401;
}

/**
 * 401 from the admin API of a drover without an admin token (`DROVER_ADMIN_TOKEN`): no token can
 * be right. `reason` lets clients (the CLI) say so instead of "wrong token".
 */
export class AdminTokenUnsetError extends AuthError {
  override readonly details = { reason: "admin-token-unset" } as const;
}

/** 400: a path segment that is not valid percent-encoding (`/api/deployments/%E0`). */
export class MalformedPathError extends AppError {
  readonly code = "ERR_PATH_MALFORMED";
  override readonly status = 400;
}

/** 404 for `/hooks/<name>` when no such source is configured. */
export class UnknownSourceError extends AppError {
  readonly code = "ERR_SOURCE_UNKNOWN";
  override readonly status = 404;
}

/** 429 from the per-IP limiter (the body tells when to come back; `Retry-After` too). */
export class RateLimitedError extends AppError {
  readonly code = "ERR_RATE_LIMITED";
  override readonly status = 429;
}

/** 403: a CI token's `scope` does not allow an image or a target the delivery would deploy. */
export class OutOfScopeError extends AppError {
  readonly code = "ERR_OUT_OF_SCOPE";
  override readonly status = 403;
}

/** The `error.code`s of `POST /hooks/ci?wait=` answers that are not an exception (the body is a wait answer). */
export const WAIT_ERRORS = {
  NOTHING_DEPLOYED: "ERR_NOTHING_DEPLOYED",
  DEPLOY_FAILED: "ERR_DEPLOY_FAILED",
  WAIT_TIMEOUT: "ERR_WAIT_TIMEOUT",
  UNAVAILABLE: "ERR_UNAVAILABLE",
} as const;

/** 400: a request express could not read (e.g. a path that is not valid percent-encoding). */
export class BadRequestError extends AppError {
  readonly code = "ERR_BAD_REQUEST";
  override readonly status = 400;
}

/** 400: `?wait=` is not a whole number of seconds from 1 to 3600, or is repeated. */
export class WaitInvalidError extends AppError {
  readonly code = "ERR_WAIT_INVALID";
  override readonly status = 400;
}

/** 400: `?wait=` on a hook that does not support it (only `/hooks/ci` does). */
export class WaitUnsupportedError extends AppError {
  readonly code = "ERR_WAIT_UNSUPPORTED";
  override readonly status = 400;
}

/** 400: a filter of `GET /api/events` (`target`, `deployment`, `since`, `Last-Event-ID`) that is not valid. */
export class EventFilterInvalidError extends AppError {
  readonly code = "ERR_EVENTS_FILTER_INVALID";
  override readonly status = 400;
}

/** 503: no event stream now (as many open as allowed, or shutting down); `Retry-After` says when to try again. */
export class EventStreamUnavailableError extends AppError {
  readonly code = "ERR_EVENTS_UNAVAILABLE";
  override readonly status = 503;
  override readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.details = { retryAfterSeconds };
  }
}
