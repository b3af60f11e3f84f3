import { isUtf8 } from "node:buffer";
import express, { Router, type NextFunction, type Request, type Response } from "express";
import { createFailedAuthLimiter } from "./rate-limit.js";
import { MalformedBodyError, UnknownSourceError, UnsupportedMediaTypeError } from "../errors/index.js";
import type { Operations } from "../operations/index.js";
import type { Source, SourceContext, WebhookRequest } from "../sources/index.js";
import { INGEST_OUTCOME_LOCAL } from "./metrics-routes.js";
import { readWaitSeconds } from "./read-wait-seconds.js";
import { answerAfterWait, nothingDeployedAnswer } from "./wait-answer.js";

export interface WebhookRoutesDeps {
  /** The sources configured now (config reloads apply to the next request). */
  readonly sources: () => ReadonlyMap<string, Source>;
  readonly context: SourceContext;
  /** Records the pushes durably (deliveries and deployments) and queues the deployments. */
  readonly ingest: Operations["ingest"];
  readonly bodyLimitBytes: number;
  readonly rateLimit: { readonly windowMs: number; readonly limit: number };
  /** Enables `?wait=SECONDS` on `/hooks/ci`; without it `wait` is refused with 400. */
  readonly wait?: Operations["wait"];
}

/**
 * `POST /hooks/:source[/:token]`. Checks in order: known source (404) and content type (415)
 * before the body is read, size (413), credentials on the raw body (401; 400 for missing
 * headers), UTF-8 and JSON syntax (400), payload shape (422), the CI token's scope (403). Answers
 * 202 `{ deployments }` once they are stored, or 200 `{ deployments: [], ignored }` for valid
 * deliveries that trigger nothing.
 *
 * `POST /hooks/ci?wait=SECONDS` (1–3600) holds the answer until every deployment of the delivery
 * (for a duplicate: the existing ones) is terminal: 200 when all succeeded or were skipped, 409
 * when any rolled back, failed, was canceled or superseded (or nothing was deployed), 504 when any
 * still runs at the limit, 503 (with `Retry-After`) when drover shuts down meanwhile — each with a
 * `WaitAnswer`. The parameter is checked after the credentials (an unauthenticated caller learns
 * nothing from it) and before anything is stored: 400 `ERR_WAIT_INVALID` for a bad value, 400
 * `ERR_WAIT_UNSUPPORTED` on other hooks. The deliveries are stored before the wait, so a client
 * that goes away loses nothing; the wait then stops.
 */
export function createWebhookRoutes(deps: WebhookRoutesDeps): Router {
  const router = Router();
  const limiter = createFailedAuthLimiter({ windowMs: deps.rateLimit.windowMs, limit: deps.rateLimit.limit });
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
  const handle = async (req: Request, res: Response): Promise<void> => {
    const source = sourceOf.get(req);
    if (source === undefined) throw new Error("webhook precheck did not run");
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const request: WebhookRequest = {
      headers: req.headers,
      rawBody: body,
      params: req.params["token"] === undefined ? {} : { token: String(req.params["token"]) },
    };
    const caller = source.verify(request, deps.context);
    const waitSeconds = readWaitSeconds(req.originalUrl, deps.wait !== undefined && source.supportsWait);
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
    const result = deps.ingest(delivery, caller.scope, req.id);
    res.locals[INGEST_OUTCOME_LOCAL] =
      result.duplicate === true ? "duplicate" : result.deployments.length > 0 ? "accepted" : "ignored";
    req.log.info(
      {
        source: source.name,
        pushes: delivery.pushes.length,
        deployments: result.deployments.length,
        ignored: result.ignored,
        duplicate: result.duplicate,
        ...(waitSeconds === undefined ? {} : { waitSeconds }),
      },
      "webhook accepted",
    );
    if (waitSeconds === undefined || deps.wait === undefined) {
      res.status(result.deployments.length > 0 ? 202 : 200).json(result);
    } else if (result.deployments.length === 0) {
      res.status(409).json(nothingDeployedAnswer(result));
    } else {
      await answerAfterWait(deps.wait, req, res, result, waitSeconds);
    }
  };
  router.post("/hooks/:source", limiter, precheck, rawBody, handle);
  router.post("/hooks/:source/:token", limiter, precheck, rawBody, handle);
  return router;
}
