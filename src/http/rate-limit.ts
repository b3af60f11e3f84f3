import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ipKeyGenerator } from "express-rate-limit";
import { RateLimitedError } from "../errors/index.js";

/**
 * Answers that count as a failed authentication attempt: 401, the source refused the credentials.
 * Not 403: that is `ERR_OUT_OF_SCOPE`, a CI caller whose token is valid but does not cover the
 * delivery — a misconfigured pipeline, not a guesser, and it must not lock out the pipelines that
 * share its address.
 */
const FAILED_AUTH_STATUSES: ReadonlySet<number> = new Set([401]);

export interface FailedAuthLimiterOptions {
  /** Length of a counting window, ms. */
  readonly windowMs: number;
  /** Failed attempts allowed per client IP per window; the next request in the window is refused. */
  readonly limit: number;
  /** The clock (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
}

interface Window {
  failures: number;
  readonly resetAt: number;
}

/**
 * The pre-auth limiter of `/hooks/*`: per client IP (IPv6 by /56, as express-rate-limit keys it), it
 * counts only the requests that end in 401 — failed credentials — and, once `limit` of them
 * fall in one fixed window, answers every request from that IP with 429 (`Retry-After`: the rest of
 * the window) before anything else is checked. Authenticated deliveries never count, so a busy
 * registry sending thousands of valid deliveries from one address is never throttled, however many
 * are in flight at once, while a client guessing tokens is stopped after `limit` tries.
 */
export function createFailedAuthLimiter(options: FailedAuthLimiterOptions): RequestHandler {
  const { windowMs, limit } = options;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  let nextSweepAt = 0;
  const sweep = (at: number): void => {
    if (at < nextSweepAt) return;
    nextSweepAt = at + windowMs;
    for (const [key, window] of windows) if (window.resetAt <= at) windows.delete(key);
  };
  const countFailure = (key: string): void => {
    const at = now();
    const window = windows.get(key);
    if (window === undefined || window.resetAt <= at)
      windows.set(key, { failures: 1, resetAt: at + windowMs });
    else window.failures += 1;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const at = now();
    sweep(at);
    const key = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? "unknown");
    const window = windows.get(key);
    if (window !== undefined && window.resetAt > at && window.failures >= limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.resetAt - at) / 1000));
      res.setHeader("retry-after", String(retryAfterSeconds));
      next(
        new RateLimitedError(
          `too many failed authentication attempts from this address; retry in ${retryAfterSeconds} s`,
        ),
      );
      return;
    }
    res.once("finish", () => {
      if (FAILED_AUTH_STATUSES.has(res.statusCode)) countFailure(key);
    });
    next();
  };
}
