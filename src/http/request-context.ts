import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";

/** Headers whose value, when well-formed, becomes the request id (sender delivery ids first). */
const REQUEST_ID_HEADERS = ["x-github-delivery", "x-request-id", "x-harbor-event-id"] as const;
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module "express-serve-static-core" {
  interface Request {
    /** Id of this request, in the `x-request-id` response header and in every log line. */
    id: string;
    /** Child logger bound to `reqId`. */
    log: Logger;
  }
}

export function pickRequestId(headers: Request["headers"]): string {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers[name];
    if (typeof value === "string" && SAFE_REQUEST_ID.test(value)) return value;
  }
  return randomUUID();
}

/**
 * The path that may be logged. Matched routes log their pattern (`/hooks/dockerhub/:token`),
 * which never contains a path token; unmatched requests log only their first segment.
 */
export function loggablePath(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route !== undefined && typeof route.path === "string") return `${req.baseUrl}${route.path}`;
  const first = /^\/[^/?#]{0,64}/.exec(req.path)?.[0] ?? "/";
  return req.path.length > first.length ? `${first}/…` : first;
}

/**
 * Assigns the request id and child logger, then logs one line per response with an
 * allow-listed shape: `req: { id, method, path }`, `res: { statusCode }`, `durationMs`.
 * Headers, query strings and bodies are never logged.
 */
export function createRequestContext(logger: Logger) {
  return function requestContext(req: Request, res: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    req.id = pickRequestId(req.headers);
    req.log = logger.child({ reqId: req.id });
    res.setHeader("x-request-id", req.id);
    res.on("finish", () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      const status = res.statusCode;
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
      req.log[level](
        {
          req: { method: req.method, path: loggablePath(req) },
          res: { statusCode: status },
          durationMs: Math.round(durationMs * 100) / 100,
        },
        "request completed",
      );
    });
    next();
  };
}
