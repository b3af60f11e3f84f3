import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { ConfigHolder, loadConfig, type LoadedConfig } from "../../src/config/index.js";
import { resolveSettings } from "../../src/deploy/index.js";
import { captureLogs } from "../helpers/capture-logs.js";

const TOKEN = "admin-token-for-tests-0123456789";
const FRONTEND = "registry.example.com/shop/frontend";
const CONFIG = `
storage: { path: ":memory:" }
environments:
  demo: { simulator: default, timeScale: 0.02 }
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 3s
  verify: { soak: 200ms, timeout: 3s }
rules:
  - image: ${FRONTEND}
    tags: { glob: "*" }
    targets:
      - { environment: demo, stack: shop, service: frontend }
`;

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function buildApp(): App {
  const logs = captureLogs("info");
  const load = (): LoadedConfig => loadConfig({ file: "drover.yml", env: {}, readFile: () => CONFIG });
  const configHolder = new ConfigHolder({ initial: load(), load, logger: logs.logger });
  app = createApp({ configHolder, logger: logs.logger, adminToken: TOKEN, verifyIntervalMs: 50 });
  return app;
}

const auth = { authorization: `Bearer ${TOKEN}` };

async function deploy(target: App, tag: string, waitMs = 20_000): Promise<{ id: string; state: string }> {
  const res = await request(target.http)
    .post("/api/deployments")
    .set(auth)
    .send({ image: FRONTEND, tag, target: "demo/shop/frontend" });
  expect(res.status).toBe(202);
  const [done] = await target.core.engine.waitForTerminal([res.body.id as string], waitMs);
  return { id: res.body.id as string, state: done?.state ?? "missing" };
}

describe("admin API", () => {
  it("refuses missing and wrong tokens with 401 and accepts the right one", async () => {
    const target = buildApp();

    const missing = await request(target.http).get("/api/deployments");
    const wrong = await request(target.http)
      .get("/api/deployments")
      .set("authorization", "Bearer nope-nope-nope-nope");
    const basic = await request(target.http).get("/api/deployments").set("authorization", `Basic ${TOKEN}`);
    const right = await request(target.http).get("/api/deployments").set(auth);

    expect([missing.status, wrong.status, basic.status, right.status]).toEqual([401, 401, 401, 200]);
    expect(missing.body.error.code).toBe("ERR_AUTH");
    expect(right.body).toEqual({ items: [] });
  });

  it("runs a manual deploy, shows it with its event log, and lists it by filters", async () => {
    const target = buildApp();

    const { id, state } = await deploy(target, "1.1.0");
    const one = await request(target.http).get(`/api/deployments/${id}`).set(auth);
    const byTarget = await request(target.http)
      .get("/api/deployments?target=demo/shop/frontend&state=succeeded")
      .set(auth);
    const byOther = await request(target.http).get("/api/deployments?target=demo/shop/worker").set(auth);
    const byImage = await request(target.http).get(`/api/deployments?image=${FRONTEND}:1.1.0`).set(auth);

    expect(state).toBe("succeeded");
    expect(one.body).toMatchObject({
      id,
      state: "succeeded",
      source: "manual",
      previousImage: `${FRONTEND}:1.0.0`,
    });
    expect(one.body.events.map((event: { state: string }) => event.state)).toContain("finishing");
    expect(byTarget.body.items.map((item: { id: string }) => item.id)).toEqual([id]);
    expect(byOther.body.items).toEqual([]);
    expect(byImage.body.items).toHaveLength(1);
  });

  it("pages with a cursor and rejects bad queries", async () => {
    const target = buildApp();
    const worker = { environment: "demo", stack: "shop", service: "worker" };
    const settings = resolveSettings(
      loadConfig({ file: "x", env: {}, readFile: () => CONFIG }).config,
      worker,
    );
    for (let i = 0; i < 5; i += 1)
      target.core.store.create({ target: worker, image: "x/y", tag: `t${i}`, source: "manual", settings });

    const first = await request(target.http).get("/api/deployments?limit=2").set(auth);
    const second = await request(target.http)
      .get(`/api/deployments?limit=2&cursor=${first.body.nextCursor as string}`)
      .set(auth);
    const badState = await request(target.http).get("/api/deployments?state=exploded").set(auth);
    const badField = await request(target.http).get("/api/deployments?colour=red").set(auth);
    const badCursor = await request(target.http).get("/api/deployments?cursor=garbage!!").set(auth);

    expect(first.body.items).toHaveLength(2);
    expect(second.body.items).toHaveLength(2);
    expect(
      new Set([...first.body.items, ...second.body.items].map((item: { id: string }) => item.id)).size,
    ).toBe(4);
    expect([badState.status, badField.status]).toEqual([422, 422]);
    expect(badCursor.status).toBe(400);
  });

  it("answers 404 for unknown deployments and 422 for bad manual deploys", async () => {
    const target = buildApp();

    const missing = await request(target.http).get("/api/deployments/d_nope").set(auth);
    const badTarget = await request(target.http)
      .post("/api/deployments")
      .set(auth)
      .send({ image: FRONTEND, tag: "1", target: "demo/shop" });
    const badEnv = await request(target.http)
      .post("/api/deployments")
      .set(auth)
      .send({ image: FRONTEND, tag: "1", target: "prod/shop/frontend" });
    const extra = await request(target.http)
      .post("/api/deployments")
      .set(auth)
      .send({ image: FRONTEND, tag: "1", target: "demo/shop/frontend", force: true });
    const text = await request(target.http)
      .post("/api/deployments")
      .set(auth)
      .set("content-type", "text/plain")
      .send("hello");

    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("ERR_DEPLOYMENT_NOT_FOUND");
    expect([badTarget.status, badEnv.status, extra.status, text.status]).toEqual([422, 422, 422, 415]);
  });

  it("cancels a queued deployment and a running one", async () => {
    const target = buildApp();
    const running = await request(target.http)
      .post("/api/deployments")
      .set(auth)
      .send({ image: FRONTEND, tag: "slow-1.1.0", target: "demo/shop/frontend" });
    const queued = await request(target.http)
      .post("/api/deployments")
      .set(auth)
      .send({ image: FRONTEND, tag: "1.2.0", target: "demo/shop/frontend" });

    const cancelQueued = await request(target.http)
      .post(`/api/deployments/${queued.body.id as string}/cancel`)
      .set(auth);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cancelRunning = await request(target.http)
      .post(`/api/deployments/${running.body.id as string}/cancel`)
      .set(auth);
    const [done] = await target.core.engine.waitForTerminal([running.body.id as string], 20_000);
    const again = await request(target.http)
      .post(`/api/deployments/${queued.body.id as string}/cancel`)
      .set(auth);

    expect(cancelQueued.status).toBe(202);
    expect(cancelQueued.body.state).toBe("canceled");
    expect(cancelRunning.status).toBe(202);
    expect(done?.state).toBe("canceled");
    expect(again.status).toBe(409);
  });

  it("retries a rolled-back deployment and rolls a target back to its previous successful image", async () => {
    const target = buildApp();
    const bad = await deploy(target, "bad-9.9.9");
    const retried = await request(target.http).post(`/api/deployments/${bad.id}/retry`).set(auth);
    await target.core.engine.waitForTerminal([retried.body.id as string], 20_000);
    await deploy(target, "1.1.0");
    await deploy(target, "1.2.0");

    const rollback = await request(target.http).post("/api/targets/demo/shop/frontend/rollback").set(auth);
    const [done] = await target.core.engine.waitForTerminal([rollback.body.id as string], 20_000);
    const targets = await request(target.http).get("/api/targets").set(auth);

    expect(bad.state).toBe("rolled-back");
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ source: "retry", parentId: bad.id, tag: "bad-9.9.9" });
    expect(rollback.status).toBe(202);
    expect(rollback.body).toMatchObject({ source: "rollback", tag: "1.1.0" });
    expect(done?.state).toBe("succeeded");
    expect(targets.body.items).toEqual([
      expect.objectContaining({
        target: "demo/shop/frontend",
        currentImage: `${FRONTEND}:1.1.0`,
        lastDeployment: expect.objectContaining({ state: "succeeded" }),
      }),
    ]);
  }, 60_000);

  it("refuses a rollback with no recorded history (409) and shows the config status", async () => {
    const target = buildApp();

    const rollback = await request(target.http).post("/api/targets/demo/shop/worker/rollback").set(auth);
    const config = await request(target.http).get("/api/config").set(auth);

    expect(rollback.status).toBe(409);
    expect(config.body).toMatchObject({ reloads: 0, rejectedReloads: 0, environments: ["demo"], rules: 1 });
    expect(config.body.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
