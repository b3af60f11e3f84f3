import { AppError } from "../errors/index.js";

/** Why a webhook's credentials were refused (machine-readable; sent to the client in `details`). */
export type WebhookAuthReason =
  | "missing-credentials"
  | "wrong-scheme"
  | "wrong-credentials"
  | "bad-signature"
  | "malformed-token"
  | "algorithm-not-allowed"
  | "expired"
  | "not-yet-valid"
  | "missing-claim"
  | "wrong-audience"
  | "wrong-issuer"
  | "bad-scope"
  | "replayed";

/**
 * 401: a webhook's credentials are missing or wrong. The message says what was wrong with them
 * (missing, wrong scheme, expired, …) and never contains the presented or the expected secret.
 */
export class WebhookAuthError extends AppError {
  readonly code = "ERR_WEBHOOK_AUTH";
  override readonly status = 401;
  readonly reason: WebhookAuthReason;
  override readonly details: Readonly<Record<string, unknown>>;

  constructor(reason: WebhookAuthReason, message: string) {
    super(message);
    this.reason = reason;
    this.details = { reason };
  }
}

/** 400: a header the sender always sends (e.g. `X-GitHub-Event`) is missing. */
export class MissingHeaderError extends AppError {
  readonly code = "ERR_WEBHOOK_HEADER";
  override readonly status = 400;
  readonly header: string;

  constructor(header: string) {
    super(`required header ${header} is missing`);
    this.header = header;
  }
}
