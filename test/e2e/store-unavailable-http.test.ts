import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { createTestApp } from "../helpers/test-app.js";

const BEARER = "registry-hook-token-0123456789";
const CONFIG = `
storage: { path: ":memory:" }
environments:
  demo: { simulator: default, timeScale: 0.02 }
sources:
  registry: { bearer: "${BEARER}" }
rules:
  - image: 127.0.0.1:5055/team/api
    tags: { semver: ">=1.0.0" }
    targets:
      - { environment: demo, stack: shop, service: frontend }
`;

const capture = JSON.parse(
  readFileSync(
    new URL("../fixtures/payloads/registry/distribution-2.8.2-manifest-push-tag.json", import.meta.url),
    "utf8",
  ),
) as { headers: Record<string, string>; body: unknown };

let app: App | undefined;
let locker: Database.Database | undefined;
afterEach(async () => {
  locker?.close();
  locker = undefined;
  await app?.close();
  app = undefined;
});

function push(target: App) {
  return request(target.http)
    .post("/hooks/registry")
    .set("content-type", capture.headers["content-type"] ?? "application/json")
    .set("authorization", `Bearer ${BEARER}`)
    .send(JSON.stringify(capture.body));
}

describe("webhooks and /readyz while the store cannot be written", () => {
  // Another connection holds the write lock: drover's write fails with SQLITE_BUSY once its busy
  // timeout (5 s) is over — a real "cannot write now", as a full disk or a read-only file is.
  it("answers 503 with Retry-After (not 500), /readyz is 503 with store: false, and both recover", async () => {
    const storePath = join(mkdtempSync(join(tmpdir(), "drover-busy-")), "drover.db");
    app = createTestApp(CONFIG, { storePath }).app;
    expect((await request(app.http).get("/readyz")).status).toBe(200);
    locker = new Database(storePath);
    locker.exec("BEGIN IMMEDIATE");

    const refused = await push(app);
    const notReady = await request(app.http).get("/readyz");

    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(refused.body).toMatchObject({ error: { code: "ERR_STORE_UNAVAILABLE", retryAfterSeconds: 1 } });
    expect(JSON.stringify(refused.body)).not.toContain(BEARER);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ checks: { store: false } });

    locker.exec("ROLLBACK");
    const accepted = await push(app);
    const ready = await request(app.http).get("/readyz");

    expect(accepted.status).toBe(202);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ checks: { store: true } });
  }, 30_000);
});
