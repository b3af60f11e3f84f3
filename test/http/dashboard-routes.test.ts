import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import {
  createDashboardRoutes,
  createHttpApp,
  DASHBOARD_CSP,
  DashboardAssetsError,
} from "../../src/http/index.js";
import { captureLogs } from "../helpers/capture-logs.js";

const ASSETS = new URL("../../src/dashboard/", import.meta.url);

function buildApp(assetsDir?: string) {
  return createHttpApp({
    logger: captureLogs().logger,
    readinessChecks: [],
    routers: [createDashboardRoutes(assetsDir === undefined ? {} : { assetsDir })],
  });
}

function expectSecurityHeaders(headers: Record<string, string | undefined>): void {
  expect(headers["content-security-policy"]).toBe(
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  );
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
}

describe("dashboard routes", () => {
  it("answers the app shell on every page path, with the security headers", async () => {
    const app = buildApp();
    const shell = readFileSync(new URL("index.html", ASSETS), "utf8");

    for (const path of ["/", "/history", "/deployments/d_01M83VD6CC022Y0W1G9363GH2H"]) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expectSecurityHeaders(res.headers);
      expect(res.text).toBe(shell);
    }
  });

  it("serves the shell with no inline script or style, loading only /ui/ files", () => {
    const shell = readFileSync(new URL("index.html", ASSETS), "utf8");

    expect(shell).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(shell).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const urls = [...shell.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(
      urls.filter(
        (url) => !url?.startsWith("/ui/") && !url?.startsWith("#") && url !== "/" && url !== "/history",
      ),
    ).toEqual([]);
    expect(DASHBOARD_CSP).not.toContain("unsafe");
  });

  it("serves the assets with their content types, an ETag and 304 on a match", async () => {
    const app = buildApp();

    const js = await request(app).get("/ui/app.js");
    const css = await request(app).get("/ui/style.css");
    const svg = await request(app).get("/ui/favicon.svg");
    const again = await request(app).get("/ui/app.js").set("if-none-match", String(js.headers["etag"]));
    const changed = await request(app).get("/ui/app.js").set("if-none-match", '"something-else"');

    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.text).toBe(readFileSync(new URL("app.js", ASSETS), "utf8"));
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(svg.headers["content-type"]).toBe("image/svg+xml");
    expectSecurityHeaders(js.headers);
    expect(js.headers["etag"]).toMatch(/^"[\w-]{22}"$/);
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expect(changed.status).toBe(200);
  });

  it("answers a JSON 404 for a file that is not an asset, and never leaves the folder", async () => {
    const app = buildApp();

    const paths = [
      "/ui/nope.js",
      "/ui/..%2Fhttp%2Fdashboard-routes.ts",
      "/ui/../package.json",
      "/ui/",
      "/deployments/",
    ];
    for (const path of paths) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code, path).toBe("ERR_ROUTE_NOT_FOUND");
    }
  });

  it("serves only the known file types of the folder, read at start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drover-dashboard-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>x</title>");
    writeFileSync(join(dir, "secret.txt"), "not served");
    const app = buildApp(dir);
    writeFileSync(join(dir, "index.html"), "changed after start");

    expect((await request(app).get("/")).text).toBe("<!doctype html><title>x</title>");
    expect((await request(app).get("/ui/secret.txt")).status).toBe(404);
  });

  it("refuses to start without the app shell", () => {
    const dir = mkdtempSync(join(tmpdir(), "drover-dashboard-"));

    expect(() => createDashboardRoutes({ assetsDir: dir })).toThrow(DashboardAssetsError);
    expect(() => createDashboardRoutes({ assetsDir: dir })).toThrow(/index\.html is missing/);
  });

  // From dist/http/ (node bin/drover.js) it finds src/dashboard/ too: test/e2e/serve-process.test.ts.
  it("finds src/dashboard/ from the module's own location", async () => {
    const { dashboardAssetsDir } = await import("../../src/http/dashboard-routes.js");

    expect(dashboardAssetsDir()).toMatch(/src\/dashboard\/$/);
  });
});
