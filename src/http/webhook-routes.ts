import { isUtf8 } from "node:buffer";
import express, { Router, type NextFunction, type Request, type Response } from "express";
import { AppError, MalformedBodyError, UnsupportedMediaTypeError } from "../errors/index.js";
import type {
  Source,
  SourceContext,
  VerifiedCaller,
  ParsedDelivery,
  WebhookRequest,
} from "../sources/index.js";
import { createFailedAuthLimiter } from "./rate-limit.js";
import { readWaitSeconds } from "./read-wait-seconds.js";
import {
  waitForDeployments,
  type DeploymentSummary,
  type DeploymentWatch,
  type WaitResult,
} from "./wait-for-deployments.js";
import { INGEST_OUTCOME_LOCAL } from "./metrics-routes.js";

/** 404 for `/hooks/<name>` when no such source is configured. */
export class UnknownSourceError extends AppError {
  readonly code = "ERR_SOURCE_UNKNOWN";
  override readonly status = 404;
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
  /** Enables `?wait=SECONDS` on `/hooks/ci` (product spec §5); without it `wait` is refused with 400. */
  readonly wait?: DeploymentWatch;
}

/** The sources whose hook takes `?wait=` (CI jobs wait for their deploy; registries must not). */
const WAIT_SOURCES: ReadonlySet<string> = new Set(["ci"]);
/** Terminal states that count as "the image is running" for `?wait=` (everything else terminal is a 409). */
const WAIT_OK_STATES: ReadonlySet<string> = new Set(["succeeded", "skipped"]);

/** The `?wait=` answer: one JSON body once the deployments are terminal, at the limit, or at shutdown. */
export interface WaitAnswer {
  readonly outcome: "succeeded" | "failed" | "timeout" | "interrupted" | "ignored";
  readonly deployments: readonly DeploymentSummary[];
  readonly duplicate: boolean;
  /** Why nothing was deployed (`outcome: ignored`). */
  readonly ignored?: string;
  /** Set on every outcome but `succeeded`, so the body also has the error shape clients expect. */
  readonly error?: { readonly code: `ERR_${string}`; readonly message: string };
}

/**
 * `POST /hooks/:source[/:token]`. Checks in order (house style §2.9): known source (404) and
 * content type (415) before the body is read, size (413), credentials on the raw body (401; 400
 * for missing headers), UTF-8 and JSON syntax (400), payload shape (422). Answers 202
 * `{ deployments }` once they are stored, or 200 `{ deployments: [], ignored }` for valid
 * deliveries that trigger nothing.
 *
 * `POST /hooks/ci?wait=SECONDS` (1–3600) holds the answer until every deployment of the delivery
 * (for a duplicate: the existing ones) is terminal: 200 when all succeeded or were skipped, 409
 * when any rolled back, failed, was canceled or superseded, 504 when any still runs at the limit,
 * 503 (with `Retry-After`) when drover shuts down meanwhile — each with a {@link WaitAnswer}. The
 * parameter is checked after the credentials (an unauthenticated caller learns nothing from it)
 * and before anything is stored: 400 `ERR_WAIT_INVALID` for a bad value, 400
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
    const waitSeconds = readWaitSeconds(
      req.originalUrl,
      deps.wait !== undefined && WAIT_SOURCES.has(source.name),
    );
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
    if (waitSeconds !== undefined && deps.wait !== undefined && result.deployments.length === 0) {
      // The caller asked for a deployment's outcome and none was created: no silent 200 for a CI
      // job whose push matched no rule (or fell outside its token's scope).
      const ignored = result.ignored ?? "nothing to deploy";
      const answer: WaitAnswer = {
        outcome: "ignored",
        deployments: [],
        duplicate: result.duplicate === true,
        ignored,
        error: { code: "ERR_NOTHING_DEPLOYED", message: `nothing was deployed: ${ignored}` },
      };
      res.status(409).json(answer);
      return;
    }
    if (waitSeconds === undefined || deps.wait === undefined) {
      res.status(result.deployments.length > 0 ? 202 : 200).json(result);
      return;
    }
    await answerAfterWait(deps.wait, req, res, result, waitSeconds);
  };
  router.post("/hooks/:source", limiter, precheck, rawBody, handle);
  router.post("/hooks/:source/:token", limiter, precheck, rawBody, handle);
  return router;
}

/** Waits for the delivery's deployments (stopping if the client goes away) and sends the {@link WaitAnswer}. */
async function answerAfterWait(
  watch: DeploymentWatch,
  req: Request,
  res: Response,
  result: IngestResult,
  waitSeconds: number,
): Promise<void> {
  const startedAt = Date.now();
  const clientGone = new AbortController();
  const onClose = (): void => clientGone.abort();
  res.once("close", onClose);
  let waited: WaitResult;
  try {
    waited = await waitForDeployments(
      watch,
      result.deployments.map((deployment) => deployment.id),
      waitSeconds * 1000,
      clientGone.signal,
    );
  } finally {
    res.off("close", onClose);
  }
  const waitedMs = Date.now() - startedAt;
  if (waited.end === "aborted" || res.destroyed) {
    req.log.info({ waitedMs }, "client left while waiting; the deployments go on");
    return;
  }
  const { status, answer } = waitAnswer(waited, result.duplicate === true, waitSeconds);
  req.log.info({ outcome: answer.outcome, status, waitedMs }, "webhook wait ended");
  if (status === 503) res.setHeader("retry-after", "5");
  res.status(status).json(answer);
}

function waitAnswer(
  waited: WaitResult,
  duplicate: boolean,
  waitSeconds: number,
): { status: number; answer: WaitAnswer } {
  const { deployments } = waited;
  const describe = (list: readonly DeploymentSummary[]): string =>
    list
      .map(
        (d) => `${d.id} (${d.target}, ${d.image}) ${d.state}${d.reason === undefined ? "" : `: ${d.reason}`}`,
      )
      .join("; ");
  switch (waited.end) {
    case "terminal": {
      const failed = deployments.filter((d) => !WAIT_OK_STATES.has(d.state));
      if (failed.length === 0)
        return { status: 200, answer: { outcome: "succeeded", deployments, duplicate } };
      const message = `${failed.length} of ${deployments.length} deployments did not go through: ${describe(failed)}`;
      return {
        status: 409,
        answer: { outcome: "failed", deployments, duplicate, error: { code: "ERR_DEPLOY_FAILED", message } },
      };
    }
    case "timeout":
    case "aborted": {
      const running = deployments.filter((d) => waited.running.includes(d.id));
      const message = `still running after ${waitSeconds} s: ${describe(running)}`;
      return {
        status: 504,
        answer: { outcome: "timeout", deployments, duplicate, error: { code: "ERR_WAIT_TIMEOUT", message } },
      };
    }
    case "shutdown": {
      const message =
        "drover is shutting down; the deployments go on when it is back — send the same request again to keep waiting";
      return {
        status: 503,
        answer: {
          outcome: "interrupted",
          deployments,
          duplicate,
          error: { code: "ERR_UNAVAILABLE", message },
        },
      };
    }
  }
}
