import { readFileSync } from "node:fs";
import express, { type NextFunction, type Request, type Response } from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { AppError } from "../../src/errors/index.js";
import { RateLimitedError } from "../../src/errors/index.js";
import { createFailedAuthLimiter } from "../../src/http/rate-limit.js";
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { createTestApp } from "../helpers/test-app.js";

const GOOD = "Bearer good-credentials";

/** An app whose one route answers 401 without the right credentials, 202 with them. */
function guardedApp(options: { limit: number; windowMs: number; now: () => number }): express.Express {
  const app = express();
  app.post("/hooks/x", createFailedAuthLimiter(options), (req: Request, res: Response) => {
    res.status(req.headers.authorization === GOOD ? 202 : 401).json({});
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = error instanceof AppError ? error.status : 500;
    res.status(status).json({ error: { code: error instanceof AppError ? error.code : "ERR_INTERNAL" } });
  });
  return app;
}

describe("createFailedAuthLimiter", () => {
  it("never throttles authenticated requests, however many, sequential or at once", async () => {
    const app = guardedApp({ limit: 3, windowMs: 60_000, now: () => 1_000 });

    const statuses: number[] = [];
    for (let i = 0; i < 200; i += 1)
      statuses.push((await request(app).post("/hooks/x").set("authorization", GOOD)).status);
    const together = await Promise.all(
      Array.from({ length: 50 }, () => request(app).post("/hooks/x").set("authorization", GOOD)),
    );

    expect(new Set([...statuses, ...together.map((res) => res.status)])).toEqual(new Set([202]));
  });

  it("refuses an address with 429 after `limit` failed attempts until the window ends", async () => {
    let now = 1_000_000;
    const app = guardedApp({ limit: 3, windowMs: 60_000, now: () => now });

    const attempts: number[] = [];
    for (let i = 0; i < 3; i += 1)
      attempts.push((await request(app).post("/hooks/x").set("authorization", "Bearer guess")).status);
    now += 20_000;
    const limited = await request(app).post("/hooks/x").set("authorization", "Bearer guess");
    const goodMeanwhile = await request(app).post("/hooks/x").set("authorization", GOOD);
    now += 40_000;
    const afterWindow = await request(app).post("/hooks/x").set("authorization", "Bearer guess");

    expect(attempts).toEqual([401, 401, 401]);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: { code: new RateLimitedError("").code } });
    expect(limited.headers["retry-after"]).toBe("40");
    expect(goodMeanwhile.status).toBe(429);
    expect(afterWindow.status).toBe(401);
  });

  it("counts authenticated requests between failures as nothing, and blocks the address at the limit", async () => {
    const app = guardedApp({ limit: 2, windowMs: 60_000, now: () => 5_000 });

    const statuses: number[] = [];
    for (const authorization of ["Bearer guess", GOOD, GOOD, GOOD, "Bearer guess", GOOD, GOOD]) {
      statuses.push((await request(app).post("/hooks/x").set("authorization", authorization)).status);
    }

    // Two failures reach the limit: from then on the address is refused before its credentials are read.
    expect(statuses).toEqual([401, 202, 202, 202, 401, 429, 429]);
  });
});

const BEARER = "registry-bearer-0123456789";
const CONTENT_TYPE = "application/vnd.docker.distribution.events.v1+json";
/** A captured Distribution delivery (a layer push: valid, nothing to deploy). */
const BLOB_PUSH = JSON.stringify(
  (
    JSON.parse(
      readFileSync(
        new URL("../fixtures/payloads/registry/distribution-2.8.2-blob-push-layer.json", import.meta.url),
        "utf8",
      ),
    ) as { body: unknown }
  ).body,
);

describe("/hooks rate limit", () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("lets a registry deliver far more than server.rateLimit.max a window, and stops a token guesser", async () => {
    ({ app } = createTestApp(
      `storage: { path: ":memory:" }\nserver: { rateLimit: { window: 1m, max: 5 } }\nenvironments:\n  demo: { simulator: default }\nsources:\n  registry: { bearer: "${BEARER}" }\n`,
    ));
    const deliver = (bearer: string): request.Test =>
      request(app!.http)
        .post("/hooks/registry")
        .set("content-type", CONTENT_TYPE)
        .set("authorization", `Bearer ${bearer}`)
        .send(BLOB_PUSH);

    const valid: number[] = [];
    for (let i = 0; i < 60; i += 1) valid.push((await deliver(BEARER)).status);
    const guesses: number[] = [];
    for (let i = 0; i < 7; i += 1) guesses.push((await deliver(`wrong-bearer-${i}`)).status);

    expect(new Set(valid)).toEqual(new Set([200]));
    expect(guesses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it("does not count a valid CI token refused as out of scope (403) against its address", async () => {
    const secret = "rate-limit-ci-jwt-secret-0123456789abcdef";
    ({ app } = createTestApp(
      `storage: { path: ":memory:" }\nserver: { rateLimit: { window: 1m, max: 3 } }\nenvironments:\n  demo: { simulator: default, timeScale: 0.02 }\nsources:\n  ci: { jwtSecret: "${secret}" }\nrules:\n  - image: registry.example.com/shop/frontend\n    tags: { glob: "*" }\n    targets: [{ environment: demo, stack: shop, service: frontend }]\n`,
    ));
    const post = (scope: { images: string[] }, tag: string): request.Test =>
      request(app!.http)
        .post("/hooks/ci")
        .set("content-type", "application/json")
        .set(
          "authorization",
          `Bearer ${jwt.sign({ sub: "ci", scope }, secret, { algorithm: "HS256", expiresIn: 600, jwtid: randomUUID() })}`,
        )
        .send(JSON.stringify({ image: "registry.example.com/shop/frontend", tag }));

    const refused: number[] = [];
    for (let i = 0; i < 5; i += 1)
      refused.push((await post({ images: ["registry.example.com/shop/other"] }, `1.0.${i}`)).status);
    const inScope = await post({ images: ["registry.example.com/shop/frontend"] }, "2.0.0");

    expect(refused).toEqual([403, 403, 403, 403, 403]);
    expect(inScope.status).toBe(202);
  });
});
