/**
 * Base class of every error drover throws on purpose. `code` is stable (`ERR_<AREA>_<WHAT>`),
 * `status` is the HTTP status used if the error reaches a client.
 * Messages never contain secrets or full URLs.
 */
export abstract class AppError extends Error {
  abstract readonly code: `ERR_${string}`;
  readonly status: number = 500;
  /** Extra, client-safe fields added to the JSON error body (e.g. `retryAfterSeconds`). */
  readonly details: Readonly<Record<string, unknown>> | undefined = undefined;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The code answered for a failure that is not an {@link AppError} (a bug): HTTP answers 500 with it
 * and a generic message; the details go only to the log.
 */
export const INTERNAL_ERROR_CODE = "ERR_INTERNAL" satisfies AppError["code"];
