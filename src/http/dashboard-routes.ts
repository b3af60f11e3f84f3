import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Router, type Response } from "express";
import { DashboardAssetsError } from "./dashboard-errors.js";

/**
 * What the dashboard's pages may load: only drover's own scripts, styles, images and API; no
 * inline script or style, no framing, no `<base>`, forms post only to drover.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** Content types of the files the dashboard folder holds; any other file there is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The app shell: every page of the dashboard is this file; the client routes by path. */
const SHELL = "index.html";

/** Paths the shell answers (client-side routes, so a reload or a deep link works). */
const DASHBOARD_PAGES = ["/", "/history", "/deployments/:id"] as const;

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export interface DashboardRoutesDeps {
  /** The folder of the dashboard's files (default: {@link dashboardAssetsDir}). */
  readonly assetsDir?: string;
}

/**
 * `src/dashboard/`, found from this module's location: `src/http/` (tests, `tsx`) or `dist/http/`
 * (`node bin/drover.js`; the package ships `src/dashboard`, the compiler does not copy it).
 */
export function dashboardAssetsDir(): string {
  const candidates = ["../dashboard/", "../../src/dashboard/"].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  const found = candidates.find((dir) => existsSync(join(dir, SHELL)));
  if (found === undefined)
    throw new DashboardAssetsError(`the dashboard's files are missing (looked in ${candidates.join(", ")})`);
  return found;
}

/** Every servable file of `dir` (not recursive), read once into memory. */
function readAssets(dir: string): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const type = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const body = readFileSync(join(dir, entry.name));
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    assets.set(entry.name, { body, type, etag });
  }
  if (!assets.has(SHELL)) throw new DashboardAssetsError(`the dashboard's ${SHELL} is missing in ${dir}`);
  return assets;
}

function setSecurityHeaders(res: Response): void {
  res.setHeader("content-security-policy", DASHBOARD_CSP);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
}

/**
 * The web dashboard: the app shell on `GET /`, `/history` and `/deployments/:id`, its files on
 * `GET /ui/<name>` (read at start; names are not content-hashed, so every answer is `no-cache`
 * with an ETag and a matching `If-None-Match` gets 304). Every answer carries a strict CSP,
 * `nosniff` and `no-referrer`. The pages read only `/api/*` (docs/dashboard.md).
 */
export function createDashboardRoutes(deps: DashboardRoutesDeps = {}): Router {
  const assets = readAssets(deps.assetsDir ?? dashboardAssetsDir());
  const shell = assets.get(SHELL) as Asset;
  const router = Router();
  const send = (req: { headers: { "if-none-match"?: string | undefined } }, res: Response, asset: Asset) => {
    setSecurityHeaders(res);
    res.setHeader("cache-control", "no-cache");
    res.setHeader("etag", asset.etag);
    if (req.headers["if-none-match"] === asset.etag) {
      res.status(304).end();
      return;
    }
    res.setHeader("content-type", asset.type);
    res.status(200).end(asset.body);
  };
  for (const page of DASHBOARD_PAGES) router.get(page, (req, res) => send(req, res, shell));
  router.get("/ui/:name", (req, res, next) => {
    const asset = assets.get(String(req.params["name"]));
    if (asset === undefined) return next();
    send(req, res, asset);
  });
  return router;
}
