import { Router, type NextFunction, type Request, type Response } from "express";

export interface MetricsRoutesDeps {
  /** The Prometheus exposition (`Metrics.render`). */
  readonly render: () => Promise<{ readonly contentType: string; readonly body: string }>;
  /**
   * Called once per `/hooks/*` response with the source named in the path (not validated: the
   * metrics bound label values), the status sent, and whether the delivery was a redelivery.
   */
  readonly onWebhookResult: (source: string, status: number, duplicate: boolean) => void;
}

/** Set by the webhook route on `res.locals` when a delivery was recognised as a redelivery. */
export const DUPLICATE_LOCAL = "droverDuplicate";

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
      deps.onWebhookResult(source, res.statusCode, res.locals[DUPLICATE_LOCAL] === true);
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
