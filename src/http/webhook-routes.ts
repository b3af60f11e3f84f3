import { isUtf8 } from "node:buffer";
import express, { Router, type NextFunction, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import { AppError, MalformedBodyError, UnsupportedMediaTypeError } from "../errors/index.js";
import type {
  Source,
  SourceContext,
  VerifiedCaller,
  ParsedDelivery,
  WebhookRequest,
} from "../sources/index.js";

/** 404 for `/hooks/<name>` when no such source is configured. */
export class UnknownSourceError extends AppError {
  readonly code = "ERR_SOURCE_UNKNOWN";
  override readonly status = 404;
}

/** 429 from the per-IP limiter (the body tells when to come back; `Retry-After` too). */
class RateLimitedError extends AppError {
  readonly code = "ERR_RATE_LIMITED";
  override readonly status = 429;
}

/** What the ingest step answers: the deployments created or reused, or why nothing applies. */
export interface IngestResult {
  readonly deployments: readonly {
    readonly id: string;
    readonly state: string;
    readonly target: string;
    readonly image: string;
  }[];
  readonly ignored?: string;
  /** True when every push of the delivery had been received before (redelivery). */
  readonly duplicate?: boolean;
}

export interface WebhookRoutesDeps {
  /** The sources configured now (config reloads apply to the next request). */
  readonly sources: () => ReadonlyMap<string, Source>;
  readonly context: SourceContext;
  /** Records the pushes durably (deliveries and deployments) and queues the deployments. */
  readonly ingest: (
    source: Source,
    delivery: ParsedDelivery,
    caller: VerifiedCaller,
    reqId: string,
  ) => IngestResult;
  readonly bodyLimitBytes: number;
  readonly rateLimit: { readonly windowMs: number; readonly limit: number };
}

/**
 * `POST /hooks/:source[/:token]`. Checks in order (house style §2.9): known source (404) and
 * content type (415) before the body is read, size (413), credentials on the raw body (401; 400
 * for missing headers), UTF-8 and JSON syntax (400), payload shape (422). Answers 202
 * `{ deployments }` once they are stored, or 200 `{ deployments: [], ignored }` for valid
 * deliveries that trigger nothing.
 */
export function createWebhookRoutes(deps: WebhookRoutesDeps): Router {
  const router = Router();
  const limiter = rateLimit({
    windowMs: deps.rateLimit.windowMs,
    limit: deps.rateLimit.limit,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    handler: (_req, _res, next, options) => {
      next(new RateLimitedError(`too many requests; retry in ${Math.ceil(options.windowMs / 1000)} s`));
    },
  });
  const rawBody = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  const sourceOf = new WeakMap<Request, Source>();
  // Before the body is read: an unknown source (404) or a wrong content type (415) is refused
  // without reading (or size-checking) the body, so these answers do not depend on its size.
  const precheck = (req: Request, _res: Response, next: NextFunction): void => {
    const name = String(req.params["source"] ?? "");
    const source = deps.sources().get(name);
    if (source === undefined)
      throw new UnknownSourceError(`no webhook source "${name.slice(0, 40)}" is configured`);
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (!source.contentTypes.includes(mediaType)) {
      throw new UnsupportedMediaTypeError(`send ${source.contentTypes.join(" or ")}`);
    }
    sourceOf.set(req, source);
    next();
  };
  const handle = (req: Request, res: Response): void => {
    const source = sourceOf.get(req);
    if (source === undefined) throw new Error("webhook precheck did not run");
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const request: WebhookRequest = {
      headers: req.headers,
      rawBody: body,
      params: req.params["token"] === undefined ? {} : { token: String(req.params["token"]) },
    };
    const caller = source.verify(request, deps.context);
    // JSON on the wire must be UTF-8 (RFC 8259 §8.1): invalid bytes are refused, not replaced
    // with U+FFFD (which would let a corrupted body through whenever it hit a free-text field).
    if (!isUtf8(body)) throw new MalformedBodyError("request body is not valid UTF-8");
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw new MalformedBodyError("request body is not valid JSON");
    }
    const delivery = source.parse(json, request, caller);
    const result: IngestResult =
      delivery.pushes.length === 0
        ? { deployments: [], ignored: delivery.ignored ?? "nothing to deploy" }
        : deps.ingest(source, delivery, caller, req.id);
    req.log.info(
      {
        source: source.name,
        pushes: delivery.pushes.length,
        deployments: result.deployments.length,
        ignored: result.ignored,
        duplicate: result.duplicate,
      },
      "webhook accepted",
    );
    res.status(result.deployments.length > 0 ? 202 : 200).json(result);
  };
  router.post("/hooks/:source", limiter, precheck, rawBody, handle);
  router.post("/hooks/:source/:token", limiter, precheck, rawBody, handle);
  return router;
}
