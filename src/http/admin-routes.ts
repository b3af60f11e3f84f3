import { createHash, timingSafeEqual } from "node:crypto";
import { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { Config, ConfigStatus } from "../config/index.js";
import { resolveSettings, type DeploymentEngine } from "../deploy/index.js";
import {
  DEPLOYMENT_STATES,
  isTerminal,
  targetKey,
  type Deployment,
  type DeployTarget,
} from "../domain/index.js";
import { AuthError, PayloadInvalidError } from "../errors/index.js";
import { safeUrl } from "../log/index.js";
import { normalizeImage } from "../routing/index.js";
import { DeploymentNotFoundError, StoreConflictError, type DeploymentStore } from "../store/index.js";
import { createJsonBody } from "./json-body.js";

export interface AdminRoutesDeps {
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly config: () => Config;
  readonly configStatus: () => ConfigStatus;
  /** `DROVER_ADMIN_TOKEN`; undefined → every call is refused (except reads when `readOpen`). */
  readonly adminToken: string | undefined;
  /** Lets GET requests through without a token (`admin.readOpen` in the config). */
  readonly readOpen: () => boolean;
  readonly bodyLimitBytes: number;
}

const listQuery = z.strictObject({
  target: z.string().min(1).max(300).optional(),
  state: z.string().max(300).optional(),
  image: z.string().min(1).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

const targetText = z
  .string()
  .regex(/^[^/]+\/[^/]+\/[^/]+(\/[^/]+)?$/, "target must be environment/stack/service[/sidekick]");

const manualDeploy = z.strictObject({
  image: z.string().min(1).max(300),
  tag: z.string().regex(/^[\w][\w.-]{0,127}$/, "not a valid tag"),
  digest: z
    .string()
    .regex(/^sha256:[a-f0-9]{64}$/, "not a sha256 digest")
    .optional(),
  target: targetText,
});

/**
 * The admin API (`/api/*`), behind `Authorization: Bearer <DROVER_ADMIN_TOKEN>` (constant-time
 * compare). Reads may be opened by config. Deployment bodies never include Docker Hub callback
 * URLs, and probe URLs pass through `safeUrl`.
 */
export function createAdminRoutes(deps: AdminRoutesDeps): Router {
  const router = Router();
  const expected = deps.adminToken === undefined ? undefined : digest(deps.adminToken);
  router.use("/api", (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? "";
    const presented = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (expected !== undefined && presented !== undefined && timingSafeEqual(digest(presented), expected))
      return next();
    if (req.method === "GET" && deps.readOpen()) return next();
    if (presented === undefined)
      return next(new AuthError("send Authorization: Bearer <DROVER_ADMIN_TOKEN>"));
    return next(new AuthError("wrong admin token"));
  });

  router.get("/api/deployments", (req, res) => {
    const query = parse(listQuery, req.query);
    const states = query.state?.split(",").filter((state) => state !== "");
    const unknown = states?.find((state) => !(DEPLOYMENT_STATES as readonly string[]).includes(state));
    if (unknown !== undefined) throw new PayloadInvalidError(`unknown state "${unknown.slice(0, 40)}"`);
    const page = deps.store.list({
      limit: query.limit,
      ...(query.target === undefined ? {} : { targetKey: query.target.toLowerCase() }),
      ...(states === undefined ? {} : { states: states as Deployment["state"][] }),
      ...(query.image === undefined ? {} : { image: query.image }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    res.json({
      items: page.items.map(present),
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    });
  });

  router.get("/api/deployments/:id", (req, res) => {
    const deployment = find(deps.store, String(req.params["id"]));
    res.json({ ...present(deployment), events: deps.store.events(deployment.id) });
  });

  const jsonBody = createJsonBody(deps.bodyLimitBytes);
  router.post("/api/deployments", ...jsonBody, (req, res) => {
    const body = parse(manualDeploy, req.body);
    const target = parseTarget(body.target);
    ensureEnvironment(deps.config(), target);
    const image = normalizeOrReject(body.image);
    const deployment = deps.engine.submit({
      target,
      image,
      tag: body.tag,
      ...(body.digest === undefined ? {} : { digest: body.digest }),
      source: "manual",
      reqId: req.id,
      settings: resolveSettings(deps.config(), target),
    });
    res.status(202).json(present(deployment));
  });

  router.post("/api/deployments/:id/cancel", (req, res) => {
    const deployment = find(deps.store, String(req.params["id"]));
    res.status(202).json(present(deps.engine.cancel(deployment.id)));
  });

  router.post("/api/deployments/:id/retry", (req, res) => {
    const original = find(deps.store, String(req.params["id"]));
    if (
      !isTerminal(original.state) ||
      original.state === "succeeded" ||
      original.state === "skipped" ||
      original.state === "superseded"
    ) {
      throw new StoreConflictError(
        `only failed, rolled-back or canceled deployments can be retried (this one is ${original.state})`,
      );
    }
    const retry = deps.engine.submit({
      target: original.target,
      image: original.image,
      tag: original.tag,
      ...(original.digest === undefined ? {} : { digest: original.digest }),
      source: "retry",
      reqId: req.id,
      settings: resolveSettings(deps.config(), original.target),
      parentId: original.id,
    });
    res.status(202).json(present(retry));
  });

  router.post("/api/targets/:environment/:stack/:service/rollback", (req, res) => {
    const target: DeployTarget = {
      environment: String(req.params["environment"]),
      stack: String(req.params["stack"]),
      service: String(req.params["service"]),
    };
    ensureEnvironment(deps.config(), target);
    const history = primarySucceeded(deps.store, targetKey(target));
    const current = history[0];
    if (current === undefined)
      throw new StoreConflictError(`no successful deployment of ${targetKey(target)} is recorded`);
    const currentImage = `${current.image}:${current.tag}`;
    const previous = [...history.slice(1).map((d) => `${d.image}:${d.tag}`), current.previousImage].find(
      (image) => image !== undefined && image !== currentImage,
    );
    if (previous === undefined)
      throw new StoreConflictError(`no image before ${currentImage} is recorded for ${targetKey(target)}`);
    const colon = previous.lastIndexOf(":");
    const deployment = deps.engine.submit({
      target,
      image: normalizeOrReject(previous.slice(0, colon)),
      tag: previous.slice(colon + 1),
      source: "rollback",
      reqId: req.id,
      settings: resolveSettings(deps.config(), target),
      parentId: current.id,
    });
    res.status(202).json(present(deployment));
  });

  router.get("/api/targets", (_req, res) => {
    res.json({ items: listTargets(deps.config(), deps.store) });
  });

  router.get("/api/config", (_req, res) => {
    const config = deps.config();
    res.json({
      ...deps.configStatus(),
      environments: Object.keys(config.environments),
      sources: Object.keys(config.sources),
      rules: config.rules.length,
    });
  });
  return router;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.map(String).join(".")}: `;
  const message =
    issue?.code === "unrecognized_keys"
      ? `unknown field(s) ${issue.keys.join(", ")}`
      : (issue?.message ?? "invalid");
  throw new PayloadInvalidError(`${where}${message}`);
}

function parseTarget(text: string): DeployTarget {
  const [environment = "", stack = "", service = "", sidekick] = text.split("/");
  return sidekick === undefined ? { environment, stack, service } : { environment, stack, service, sidekick };
}

function ensureEnvironment(config: Config, target: DeployTarget): void {
  if (config.environments[target.environment] === undefined) {
    throw new PayloadInvalidError(`environment "${target.environment.slice(0, 60)}" is not configured`);
  }
}

function normalizeOrReject(image: string): string {
  try {
    return normalizeImage(image).name;
  } catch (error) {
    throw new PayloadInvalidError((error as Error).message);
  }
}

function find(store: DeploymentStore, id: string): Deployment {
  const deployment = store.get(id);
  if (deployment === undefined) throw new DeploymentNotFoundError(`deployment ${id.slice(0, 60)} not found`);
  return deployment;
}

/** Succeeded deployments of the primary launch config, newest first. */
function primarySucceeded(store: DeploymentStore, key: string): Deployment[] {
  return store
    .list({ targetKey: key, states: ["succeeded"], limit: 200 })
    .items.filter((deployment) => deployment.target.sidekick === undefined)
    .sort((a, b) => (b.finishedAt ?? "").localeCompare(a.finishedAt ?? ""));
}

/** What the API shows of a deployment: everything but the callback URL; probe URLs made safe. */
function present(deployment: Deployment): Record<string, unknown> {
  const { callbackUrl: _callbackUrl, settings, ...rest } = deployment;
  const http = settings.verify.http;
  return {
    ...rest,
    settings:
      http === undefined
        ? settings
        : {
            ...settings,
            verify: { ...settings.verify, http: { ...http, url: safeUrl(http.url, { keepPath: true }) } },
          },
  };
}

interface TargetSummary {
  readonly target: string;
  readonly currentImage?: string;
  readonly lastDeployment?: {
    readonly id: string;
    readonly state: string;
    readonly image: string;
    readonly updatedAt: string;
  };
}

/** Every target named by a rule, plus every target with recorded deployments. */
function listTargets(config: Config, store: DeploymentStore): TargetSummary[] {
  const keys = new Set<string>();
  for (const rule of config.rules) {
    for (const { environment, stack, service } of rule.targets)
      keys.add(targetKey({ environment, stack, service }));
  }
  for (let cursor: string | undefined, pages = 0; pages < 50; pages += 1) {
    const page = store.list({ limit: 200, ...(cursor === undefined ? {} : { cursor }) });
    for (const deployment of page.items) keys.add(deployment.targetKey);
    cursor = page.nextCursor;
    if (cursor === undefined) break;
  }
  return [...keys].sort().map((key) => {
    const last = store.list({ targetKey: key, limit: 1 }).items[0];
    const succeeded = primarySucceeded(store, key)[0];
    return {
      target: key,
      ...(succeeded === undefined ? {} : { currentImage: `${succeeded.image}:${succeeded.tag}` }),
      ...(last === undefined
        ? {}
        : {
            lastDeployment: {
              id: last.id,
              state: last.state,
              image: `${last.image}:${last.tag}`,
              updatedAt: last.updatedAt,
            },
          }),
    };
  });
}
