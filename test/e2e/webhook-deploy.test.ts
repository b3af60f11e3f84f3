import { readFileSync } from "node:fs";
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
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 10s
  verify: { soak: 300ms, timeout: 5s }
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
const blob = JSON.parse(
  readFileSync(
    new URL("../fixtures/payloads/registry/distribution-2.8.2-blob-push-layer.json", import.meta.url),
    "utf8",
  ),
) as { headers: Record<string, string>; body: unknown };

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function buildApp(): App {
  return createTestApp(CONFIG).app;
}

function post(target: App, payload: { headers: Record<string, string>; body: unknown }, bearer = BEARER) {
  return request(target.http)
    .post("/hooks/registry")
    .set("content-type", payload.headers["content-type"] ?? "application/json")
    .set("authorization", `Bearer ${bearer}`)
    .send(JSON.stringify(payload.body));
}

describe("registry notification → deployment (in-process simulator)", () => {
  it("stores the deployment, answers 202, and the engine deploys it", async () => {
    app = buildApp();
    await app.start();

    const res = await post(app, capture);
    const id = (res.body as { deployments: { id: string }[] }).deployments[0]?.id ?? "";
    const [done] = await app.core.engine.waitForTerminal([id], 20_000);

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      deployments: [
        { state: "queued", target: "demo/shop/frontend", image: "127.0.0.1:5055/team/api:1.0.1" },
      ],
      duplicate: false,
    });
    expect(done?.state).toBe("succeeded");
    expect(done?.digest).toBe("sha256:c47c08c205165d85b8282f9d3ce554b160293819afbe365cc465c199109048e9");
  });

  it("answers a redelivery with the same deployment and creates no second one", async () => {
    app = buildApp();

    const first = await post(app, capture);
    const second = await post(app, capture);

    expect(second.status).toBe(202);
    expect(second.body.duplicate).toBe(true);
    expect(second.body.deployments[0].id).toBe(first.body.deployments[0].id);
    expect(app.core.store.list({ limit: 10 }).items).toHaveLength(1);
  });

  it("acknowledges blob pushes with 200 and creates nothing", async () => {
    app = buildApp();

    const res = await post(app, blob);

    expect(res.status).toBe(200);
    expect(res.body.deployments).toEqual([]);
    expect(res.body.ignored).toMatch(/blob/i);
    expect(app.core.store.list({ limit: 10 }).items).toHaveLength(0);
  });

  it("rejects a wrong bearer with 401 and an unknown source with 404", async () => {
    app = buildApp();

    const wrong = await post(app, capture, "not-the-token-at-all");
    const unknown = await request(app.http)
      .post("/hooks/nexus")
      .set("content-type", "application/json")
      .send("{}");

    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("ERR_WEBHOOK_AUTH");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("ERR_SOURCE_UNKNOWN");
    expect(app.core.store.list({ limit: 10 }).items).toHaveLength(0);
  });
});
