import { Router, type NextFunction, type Request, type Response } from "express";

export interface MetricsRoutesDeps {
  /** The Prometheus exposition (`Metrics.render`). */
  readonly render: () => Promise<{ readonly contentType: string; readonly body: string }>;
  /**
   * Called once per `/hooks/*` response with the source named in the path (not validated: the
   * metrics bound label values), the status sent, and — when the delivery was ingested — what
   * ingest made of it (`accepted`, `ignored`, `duplicate`), whatever a `?wait` answered after.
   */
  readonly onWebhookResult: (source: string, status: number, ingested: string | undefined) => void;
}

/** Set by the webhook route on `res.locals` once a delivery is ingested: `accepted`, `ignored` or `duplicate`. */
export const INGEST_OUTCOME_LOCAL = "droverIngestOutcome";

/**
 * `GET /metrics` (Prometheus text format; no auth, like most exporters: it carries counts and
 * bounded labels only, never ids, images, URLs or secrets) and the observer that counts every
 * `/hooks/*` answer — including those refused before the webhook route runs (rate limit, 404).
 */
export function createMetricsRoutes(deps: MetricsRoutesDeps): Router {
  const router = Router();
  router.use("/hooks", (req: Request, res: Response, next: NextFunction) => {
    const source = req.path.split("/")[1] ?? "";
    res.once("finish", () => {
      const ingested: unknown = res.locals[INGEST_OUTCOME_LOCAL];
      deps.onWebhookResult(source, res.statusCode, typeof ingested === "string" ? ingested : undefined);
    });
    next();
  });
  router.get("/metrics", async (_req: Request, res: Response) => {
    const { contentType, body } = await deps.render();
    res.setHeader("cache-control", "no-store");
    res.type(contentType).send(body);
  });
  return router;
}
