import { Router } from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { AuthError, PayloadInvalidError } from "../../src/errors/index.js";
import { createHttpApp, createJsonBody } from "../../src/http/index.js";
import { captureLogs } from "../helpers/capture-logs.js";

function buildApp(options: { ready?: boolean } = {}) {
  const logs = captureLogs();
  const router = Router();
  router.get("/boom/app-error", () => {
    throw new AuthError("missing credentials");
  });
  router.get("/boom/async", async () => {
    await Promise.resolve();
    throw new PayloadInvalidError("not a push");
  });
  router.get("/boom/bug", () => {
    throw new TypeError("cannot read properties of undefined (reading 'secretThing')");
  });
  router.post("/echo", ...createJsonBody(64), (req, res) => {
    res.json({ got: req.body as unknown });
  });
  const app = createHttpApp({
    logger: logs.logger,
    readinessChecks: [{ name: "config", check: () => options.ready ?? true }],
    readinessDetails: () => ({ config: { hash: "abc" } }),
    routers: [router],
  });
  return { app, logs };
}

describe("createHttpApp", () => {
  it("answers /healthz and /readyz", async () => {
    const { app } = buildApp();

    const health = await request(app).get("/healthz");
    const ready = await request(app).get("/readyz");

    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", checks: { config: true }, config: { hash: "abc" } });
  });

  it("answers /readyz 503 when a check fails", async () => {
    const { app } = buildApp({ ready: false });

    const ready = await request(app).get("/readyz");

    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: "not-ready", checks: { config: false } });
  });

  it("answers unknown routes with a JSON 404", async () => {
    const { app } = buildApp();

    const res = await request(app).get("/nope/deeper/path");

    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: "ERR_ROUTE_NOT_FOUND", message: "no route for GET on this path" },
    });
  });

  it("maps AppErrors thrown synchronously or asynchronously to their status and code", async () => {
    const { app } = buildApp();

    const sync = await request(app).get("/boom/app-error");
    const asyncRes = await request(app).get("/boom/async");

    expect(sync.status).toBe(401);
    expect(sync.body).toEqual({ error: { code: "ERR_AUTH", message: "missing credentials" } });
    expect(asyncRes.status).toBe(422);
    expect(asyncRes.body.error.code).toBe("ERR_PAYLOAD_INVALID");
  });

  it("hides unknown errors behind a generic 500 and logs the details", async () => {
    const { app, logs } = buildApp();

    const res = await request(app).get("/boom/bug");

    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: "ERR_INTERNAL", message: "internal error" } });
    const errorLine = logs.lines().find((line) => line["msg"] === "unhandled error");
    expect(JSON.stringify(errorLine)).toContain("secretThing");
  });

  it("checks content type (415), size (413) and JSON syntax (400) on JSON bodies", async () => {
    const { app } = buildApp();

    const ok = await request(app).post("/echo").set("content-type", "application/json").send('{"a":1}');
    const wrongType = await request(app).post("/echo").set("content-type", "text/plain").send("a=1");
    const tooBig = await request(app)
      .post("/echo")
      .set("content-type", "application/json")
      .send(JSON.stringify({ a: "x".repeat(200) }));
    const malformed = await request(app).post("/echo").set("content-type", "application/json").send('{"a":');
    const badCharset = await request(app)
      .post("/echo")
      .set("content-type", "application/json; charset=ebcdic")
      .send("{}");

    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ got: { a: 1 } });
    expect([wrongType.status, wrongType.body.error.code]).toEqual([415, "ERR_CONTENT_TYPE"]);
    expect([tooBig.status, tooBig.body.error.code]).toEqual([413, "ERR_PAYLOAD_TOO_LARGE"]);
    expect([malformed.status, malformed.body.error.code]).toEqual([400, "ERR_PAYLOAD_MALFORMED"]);
    expect([badCharset.status, badCharset.body.error.code]).toEqual([415, "ERR_CONTENT_TYPE"]);
  });

  it("sets a request id (from a safe delivery header or generated), and no x-powered-by", async () => {
    const { app, logs } = buildApp();

    const given = await request(app)
      .get("/healthz")
      .set("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    const hostile = await request(app).get("/healthz").set("x-request-id", "<script>alert(1)</script>");

    expect(given.headers["x-request-id"]).toBe("72d3162e-cc78-11e3-81ab-4c9367dc0958");
    expect(hostile.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(given.headers["x-powered-by"]).toBeUndefined();
    const line = logs.lines().find((entry) => entry["reqId"] === "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    expect(line).toMatchObject({
      msg: "request completed",
      req: { method: "GET", path: "/healthz" },
      res: { statusCode: 200 },
    });
  });

  it("survives hostile URLs without a 500", async () => {
    const { app } = buildApp();

    const res = await request(app).get("/%E0%A4%A");
    const long = await request(app).get(`/${"a".repeat(8_000)}`);

    expect(res.status).toBeLessThan(500);
    expect(long.status).toBe(404);
  });
});
