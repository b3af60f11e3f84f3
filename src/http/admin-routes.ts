import { Router, type NextFunction, type Request, type Response } from "express";
import { MalformedPathError } from "../errors/index.js";
import type { Operations } from "../operations/index.js";
import { createAdminAuth, type AdminAuthOptions } from "./admin-auth.js";
import { listQuery, manualDeploy, parse, parseTargetParams } from "./admin-schemas.js";
import { createJsonBody } from "./json-body.js";
import { presentDeployment as present } from "./present-deployment.js";

export interface AdminRoutesDeps extends AdminAuthOptions {
  readonly operations: Pick<
    Operations,
    "deploy" | "retry" | "cancel" | "rollBack" | "list" | "show" | "targets" | "config"
  >;
  readonly bodyLimitBytes: number;
}

/**
 * The admin API (`/api/*`), behind `Authorization: Bearer <DROVER_ADMIN_TOKEN>` (constant-time
 * compare). Reads may be opened by config. Deployment bodies never include Docker Hub callback
 * URLs, and probe URLs pass through `safeUrl`. Each route parses its input, calls one operation
 * and renders the result.
 */
export function createAdminRoutes(deps: AdminRoutesDeps): Router {
  const router = Router();
  const ops = deps.operations;
  router.use("/api", createAdminAuth(deps));

  router.get("/api/deployments", (req, res) => {
    const page = ops.list(parse(listQuery, req.query));
    res.json({
      items: page.items.map(present),
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    });
  });

  router.get("/api/deployments/:id", (req, res) => {
    const { deployment, events } = ops.show(String(req.params["id"]));
    res.json({ ...present(deployment), events });
  });

  router.post("/api/deployments", ...createJsonBody(deps.bodyLimitBytes), (req, res) => {
    const body = parse(manualDeploy, req.body);
    const deployment = ops.deploy({
      target: body.target,
      image: body.image,
      tag: body.tag,
      ...(body.digest === undefined ? {} : { digest: body.digest }),
      source: "manual",
      reqId: req.id,
    });
    res.status(202).json(present(deployment));
  });

  router.post("/api/deployments/:id/cancel", (req, res) => {
    res.status(202).json(present(ops.cancel(String(req.params["id"]))));
  });

  router.post("/api/deployments/:id/retry", (req, res) => {
    res.status(202).json(present(ops.retry(String(req.params["id"]), req.id)));
  });

  router.post("/api/targets/:environment/:stack/:service/rollback", (req, res) => {
    res.status(202).json(present(ops.rollBack(parseTargetParams(req.params), req.id)));
  });

  router.get("/api/targets", (_req, res) => {
    res.json({ items: ops.targets() });
  });

  router.get("/api/config", (_req, res) => {
    res.json(ops.config());
  });

  // A path parameter that is not valid percent-encoding: the router raises a bare URIError.
  router.use("/api", (error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(
      error instanceof URIError ? new MalformedPathError("the path is not valid percent-encoding") : error,
    );
  });
  return router;
}
