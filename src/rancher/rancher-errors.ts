import { AppError } from "../errors/index.js";

/** An HTTP error answered by Rancher, parsed from either error shape (docs/rancher-api.md §1.9). */
export class RancherApiError extends AppError {
  readonly code = "ERR_RANCHER_HTTP";
  override readonly status = 502;
  /** HTTP status Rancher answered. */
  readonly httpStatus: number;
  /** Rancher's own `code` (`ActionNotAvailable`, `Not Found`, `InvalidReference`…), when given. */
  readonly rancherCode: string | undefined;
  /** Rancher's `fieldName` (for upgrade filters, a sentence), when given. */
  readonly fieldName: string | undefined;
  readonly method: string;
  /** The request URL without credentials. */
  readonly url: string;

  constructor(input: {
    httpStatus: number;
    rancherCode?: string | undefined;
    fieldName?: string | undefined;
    rancherMessage?: string | undefined;
    method: string;
    url: string;
    cause?: unknown;
  }) {
    const detail = [input.rancherCode, input.fieldName, input.rancherMessage]
      .filter((part) => part !== undefined && part !== "")
      .join(": ");
    super(
      `Rancher answered ${input.httpStatus} to ${input.method} ${input.url}${detail === "" ? "" : ` (${detail})`}`,
      {
        cause: input.cause,
      },
    );
    this.httpStatus = input.httpStatus;
    this.rancherCode = input.rancherCode;
    this.fieldName = input.fieldName;
    this.method = input.method;
    this.url = input.url;
  }

  /** 422 `ActionNotAvailable`: the service's state moved; re-read and decide. */
  get isActionNotAvailable(): boolean {
    return this.httpStatus === 422 && this.rancherCode === "ActionNotAvailable";
  }
}

/** 401/403 from Rancher: fail fast with what to check. */
export class RancherAuthError extends AppError {
  readonly code = "ERR_RANCHER_AUTH";
  override readonly status = 502;
}

/** Rancher could not be reached (network errors, timeouts, 5xx) after the retries allowed. */
export class RancherUnavailableError extends AppError {
  readonly code = "ERR_RANCHER_UNAVAILABLE";
  override readonly status = 503;
}

/** A transient failure: a network error, a timeout or a 408/429/5xx answer. */
export class TransientRancherError extends RancherUnavailableError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A project, stack or service name did not resolve. */
export class RancherNotFoundError extends AppError {
  readonly code = "ERR_RANCHER_NOT_FOUND";
  override readonly status = 404;
}

/** A wait for a service state ran past its deadline. */
export class RancherTimeoutError extends AppError {
  readonly code = "ERR_RANCHER_TIMEOUT";
  readonly expected: string;
  readonly lastState: string | undefined;
  readonly waitedMs: number;

  constructor(
    expected: string,
    lastState: string | undefined,
    waitedMs: number,
    lastMessage?: string | null,
  ) {
    const message =
      lastMessage === undefined || lastMessage === null || lastMessage === "" ? "" : ` (${lastMessage})`;
    super(
      `waited ${Math.round(waitedMs / 1000)} s for ${expected}; service is ${lastState ?? "unknown"}${message}`,
    );
    this.expected = expected;
    this.lastState = lastState;
    this.waitedMs = waitedMs;
  }
}
