import { createHash, timingSafeEqual } from "node:crypto";
import { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { Config, ConfigStatus } from "../config/index.js";
import { resolveSettings, type DeploymentEngine } from "../deploy/index.js";
import {
  DEPLOYMENT_STATES,
  isTerminal,
  splitImageReference,
  targetKey,
  type Deployment,
  type DeployTarget,
} from "../domain/index.js";
import { AppError, AuthError, PayloadInvalidError } from "../errors/index.js";
import { safeUrl } from "../log/index.js";
import { normalizeImage } from "../routing/index.js";
import {
  DeploymentNotFoundError,
  InvalidCursorError,
  StoreConflictError,
  type DeploymentStore,
} from "../store/index.js";
import { createJsonBody } from "./json-body.js";

export interface AdminRoutesDeps {
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly config: () => Config;
  readonly configStatus: () => ConfigStatus;
  /** `DROVER_ADMIN_TOKEN`; undefined → every call is refused (except reads when `readOpen`). */
  readonly adminToken: string | undefined;
  /** Lets GET/HEAD requests through without a token (`admin.readOpen` in the config, read per request). */
  readonly readOpen: () => boolean;
  readonly bodyLimitBytes: number;
}

/** One name of a target (environment, stack, service, sidekick): what Rancher and the config accept. */
const NAME = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";
const NAME_PATTERN = new RegExp(`^${NAME}$`);
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;

/** `environment/stack/service`: what `target=` filters by (a sidekick shares its service's key). */
const targetKeyText = z
  .string()
  .max(300)
  .regex(new RegExp(`^${NAME}/${NAME}/${NAME}$`), "target must be environment/stack/service");

const listQuery = z.strictObject({
  target: targetKeyText.optional(),
  state: z.string().max(300).optional(),
  image: z.string().min(1).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Checked by the store (400 `ERR_STORE_CURSOR_INVALID`), like any cursor no page returned. */
  cursor: z.string().optional(),
});

const targetText = z
  .string()
  .max(300)
  .regex(
    new RegExp(`^${NAME}/${NAME}/${NAME}(/${NAME})?$`),
    "target must be environment/stack/service[/sidekick] (letters, digits, _ . -)",
  );

const manualDeploy = z.strictObject({
  image: z.string().min(1).max(300),
  tag: z.string().regex(TAG_PATTERN, "not a valid tag"),
  digest: z
    .string()
    .regex(/^sha256:[a-f0-9]{64}$/, "not a sha256 digest")
    .optional(),
  target: targetText,
});

/** 400: a path segment that is not valid percent-encoding (`/api/deployments/%E0`). */
class MalformedPathError extends AppError {
  readonly code = "ERR_PATH_MALFORMED";
  override readonly status = 400;
}

/** Methods that only read: `admin.readOpen` lets them through without a token. */
const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/**
 * The admin API (`/api/*`), behind `Authorization: Bearer <DROVER_ADMIN_TOKEN>` (constant-time
 * compare). Reads may be opened by config. Deployment bodies never include Docker Hub callback
 * URLs, and probe URLs pass through `safeUrl`.
 */
export function createAdminRoutes(deps: AdminRoutesDeps): Router {
  const router = Router();
  const expected = deps.adminToken === undefined ? undefined : digest(deps.adminToken);
  router.use("/api", (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? "";
    const presented = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (expected !== undefined && presented !== undefined && timingSafeEqual(digest(presented), expected))
      return next();
    if (READ_METHODS.has(req.method) && deps.readOpen()) return next();
    res.setHeader("www-authenticate", 'Bearer realm="drover admin API"');
    if (presented === undefined)
      return next(new AuthError("send Authorization: Bearer <DROVER_ADMIN_TOKEN>"));
    return next(new AuthError("wrong admin token"));
  });

  router.get("/api/deployments", (req, res) => {
    const query = parse(listQuery, req.query);
    const states = parseStates(query.state);
    const image = query.image === undefined ? undefined : imageFilter(query.image);
    const page = deps.store.list({
      limit: query.limit,
      ...(query.target === undefined ? {} : { targetKey: query.target.toLowerCase() }),
      ...(states === undefined ? {} : { states }),
      ...(image === undefined ? {} : { image }),
      ...(query.cursor === undefined ? {} : { cursor: checkCursor(query.cursor) }),
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
    ensureEnvironment(deps.config(), original.target);
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
    for (const part of ["environment", "stack", "service"] as const) {
      if (!NAME_PATTERN.test(target[part]))
        throw new PayloadInvalidError(`${part} must be a name of letters, digits, _ . - (at most 128)`);
    }
    ensureEnvironment(deps.config(), target);
    const history = primarySucceeded(deps.store, targetKey(target));
    const current = history[0];
    if (current === undefined)
      throw new StoreConflictError(`no successful deployment of ${targetKey(target)} is recorded`);
    const currentImage = `${current.image}:${current.tag}`;
    // Older successful deployments first (newest first), then the image the newest one replaced.
    const previous = [
      ...history.slice(1).map((d): ImageRef => ({ name: d.image, tag: d.tag })),
      ...[current.previousImage].map((text) => (text === undefined ? undefined : parseImageRef(text))),
    ].find((ref): ref is ImageRef => ref !== undefined && `${ref.name}:${ref.tag}` !== currentImage);
    if (previous === undefined)
      throw new StoreConflictError(`no image before ${currentImage} is recorded for ${targetKey(target)}`);
    const deployment = deps.engine.submit({
      target,
      image: previous.name,
      tag: previous.tag,
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

  // A path parameter that is not valid percent-encoding: the router raises a bare URIError.
  router.use("/api", (error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(
      error instanceof URIError ? new MalformedPathError("the path is not valid percent-encoding") : error,
    );
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
      ? `unknown field(s) ${issue.keys.map((key) => key.slice(0, 40)).join(", ")}`
      : (issue?.message ?? "invalid");
  throw new PayloadInvalidError(`${where}${message}`.slice(0, 300));
}

/** Cursors are short (an encoded id); a long one is refused before the store decodes it. */
function checkCursor(cursor: string): string {
  if (cursor.length > 200) throw new InvalidCursorError("the cursor is not one a previous page returned");
  return cursor;
}

/** `state=a,b` → the states (422 for an unknown one); an empty list means no filter. */
function parseStates(text: string | undefined): Deployment["state"][] | undefined {
  const states = text?.split(",").filter((state) => state !== "");
  if (states === undefined || states.length === 0) return undefined;
  const unknown = states.find((state) => !(DEPLOYMENT_STATES as readonly string[]).includes(state));
  if (unknown !== undefined) throw new PayloadInvalidError(`unknown state "${unknown.slice(0, 40)}"`);
  return states as Deployment["state"][];
}

/** `image=name[:tag]` → the normalised name, with the tag if given (`nginx:1.25` → `docker.io/library/nginx:1.25`). */
function imageFilter(text: string): string {
  const ref = splitImageReference(text);
  if (ref.digest !== undefined)
    throw new PayloadInvalidError("image: filter by name or name:tag, not digest");
  if (ref.tag !== undefined && !TAG_PATTERN.test(ref.tag))
    throw new PayloadInvalidError("image: not a valid tag");
  const name = normalizeOrReject(ref.image);
  return ref.tag === undefined ? name : `${name}:${ref.tag}`;
}

interface ImageRef {
  /** Normalised name. */
  readonly name: string;
  readonly tag: string;
}

/**
 * A recorded image (`previousImage`, as Rancher ran it: `nginx:1.25`, `host:5000/a/b`, `a/b:1@sha256:…`)
 * → normalised name and tag (`latest` when none; a digest is dropped); undefined if unusable.
 */
function parseImageRef(text: string): ImageRef | undefined {
  const ref = splitImageReference(text.trim());
  const tag = ref.tag ?? "latest";
  if (!TAG_PATTERN.test(tag)) return undefined;
  try {
    return { name: normalizeImage(ref.image).name, tag };
  } catch {
    return undefined;
  }
}

function parseTarget(text: string): DeployTarget {
  const [environment = "", stack = "", service = "", sidekick] = text.split("/");
  return sidekick === undefined ? { environment, stack, service } : { environment, stack, service, sidekick };
}

function ensureEnvironment(config: Config, target: DeployTarget): void {
  // Own keys only: `constructor`, `__proto__` and friends are not environments.
  if (!Object.hasOwn(config.environments, target.environment)) {
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
  for (const key of store.targetKeys()) keys.add(key);
  return [...keys].sort().map((key) => {
    const last = store.list({ targetKey: key, limit: 1 }).items[0];
    const succeeded = store.latestSucceeded(key);
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
