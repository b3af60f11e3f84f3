import express, { type Express, type Router } from "express";
import type { Logger } from "pino";
import { createErrorMiddleware, notFound } from "./error-middleware.js";
import { createHealthRoutes, type ReadinessCheck } from "./health-routes.js";
import { createRequestContext } from "./request-context.js";

export interface HttpAppDeps {
  readonly logger: Logger;
  readonly trustProxy?: boolean | number | string;
  readonly readinessChecks: readonly ReadinessCheck[];
  /** Extra fields for the `/readyz` body. */
  readonly readinessDetails?: () => Record<string, unknown>;
  /** Routers mounted after the health routes, in order (webhooks, admin API…). */
  readonly routers?: readonly Router[];
  /** True while the server shuts down: responses then ask clients to close the connection. */
  readonly isDraining?: () => boolean;
}

/**
 * Builds the express app without listening: request ids and logging, health routes, the
 * given routers, JSON 404 and the error mapper. `x-powered-by` and ETags are off.
 */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("trust proxy", deps.trustProxy ?? false);
  app.use(createRequestContext(deps.logger));
  if (deps.isDraining !== undefined) {
    const isDraining = deps.isDraining;
    app.use((_req, res, next) => {
      if (isDraining()) res.setHeader("connection", "close");
      next();
    });
  }
  app.use(createHealthRoutes(deps.readinessChecks, deps.readinessDetails ?? (() => ({}))));
  for (const router of deps.routers ?? []) app.use(router);
  app.use(notFound);
  app.use(createErrorMiddleware(deps.logger));
  return app;
}
