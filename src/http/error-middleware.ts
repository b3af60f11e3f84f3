import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import {
  AppError,
  BadRequestError,
  INTERNAL_ERROR_CODE,
  MalformedBodyError,
  PayloadTooLargeError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
} from "../errors/index.js";

/** A client error raised by express/body-parser (they carry `type`, `status`, `expose`). */
interface HttpLibraryError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly expose?: unknown;
}

/** Maps errors thrown by express and body-parser to our typed errors; undefined if unknown. */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error === null || typeof error !== "object") return undefined;
  if (error instanceof URIError) return new BadRequestError("the request path is not valid percent-encoding");
  const lib = error as HttpLibraryError;
  switch (lib.type) {
    case "entity.too.large":
      return new PayloadTooLargeError("request body is larger than the limit");
    case "entity.parse.failed":
      return new MalformedBodyError("request body is not valid JSON");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new UnsupportedMediaTypeError("unsupported content encoding or charset");
    default:
      break;
  }
  if (lib.expose === true && typeof lib.status === "number" && lib.status >= 400 && lib.status < 500) {
    return new BadRequestError("bad request");
  }
  return undefined;
}

/** JSON 404 for every route nobody handled. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new RouteNotFoundError(`no route for ${req.method} on this path`));
}

/**
 * The one HTTP error mapper: an AppError (or a known library error) gives its status and
 * `{ error: { code, message } }` (plus `Retry-After` when its details carry `retryAfterSeconds`,
 * as the store's `StoreUnavailableError` does); anything else is a bug: 500 with a generic message, and the
 * details only in the log.
 */
export function createErrorMiddleware(logger: Logger) {
  return function errorMiddleware(error: unknown, req: Request, res: Response, _next: NextFunction): void {
    const log = (req.log as Logger | undefined) ?? logger;
    const known = toAppError(error);
    if (res.headersSent) {
      log.error({ err: error }, "error after the response started");
      res.destroy();
      return;
    }
    if (known === undefined) {
      log.error({ err: error }, "unhandled error");
      res.status(500).json({ error: { code: INTERNAL_ERROR_CODE, message: "internal error" } });
      return;
    }
    if (known.status >= 500) log.error({ err: known }, "request failed");
    else log.warn({ code: known.code }, "request rejected");
    // A temporary refusal (e.g. the store cannot record the request now) tells the client when to retry.
    const retryAfter = known.details?.["retryAfterSeconds"];
    if (typeof retryAfter === "number" && Number.isFinite(retryAfter) && retryAfter >= 0)
      res.setHeader("retry-after", String(Math.ceil(retryAfter)));
    res.status(known.status).json({ error: { code: known.code, message: known.message, ...known.details } });
  };
}
