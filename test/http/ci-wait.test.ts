/**
 * `POST /hooks/ci?wait=SECONDS` and reusable CI tokens (ADR 0004), through the
 * real app (`createApp` + the in-process simulator at timeScale 0.02) over HTTP.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import jwt from "jsonwebtoken";
import request from "supertest";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { App } from "../../src/app.js";
import type { CapturedLogs } from "../helpers/capture-logs.js";
import { ManualTimers } from "../helpers/manual-timers.js";
import { createTestApp } from "../helpers/test-app.js";

const SECRET = "ci-wait-jwt-secret-0123456789abcdef0123456789";
const REGISTRY_BEARER = "registry-bearer-token-0123456789abcdef";
const FRONTEND = "registry.example.com/shop/frontend";
/** Deploys to `worker` with a 60 s soak: still `verifying` long after any wait in these tests. */
const SLOW = "registry.example.com/shop/worker";
const NON_TERMINAL = ["queued", "preparing", "upgrading", "verifying", "finishing", "rolling-back"];

function config(singleUse: boolean): string {
  return `
storage: { path: ":memory:" }
server:
  rateLimit: { window: 1m, max: 100000 }
environments:
  demo: { simulator: default, timeScale: 0.02 }
sources:
  ci: { jwtSecret: "${SECRET}", singleUse: ${String(singleUse)} }
  registry: { bearer: "${REGISTRY_BEARER}" }
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 2s
  verify: { soak: 200ms, timeout: 1500ms }
rules:
  - image: ${FRONTEND}
    tags: { glob: "*" }
    targets: [{ environment: demo, stack: shop, service: frontend }]
  - image: ${SLOW}
    tags: { glob: "*" }
    targets: [{ environment: demo, stack: shop, service: worker, verify: { soak: 60s, timeout: 2m } }]
`;
}

interface Built {
  readonly app: App;
  readonly logs: CapturedLogs;
  /** Starts draining, as SIGTERM does in `drover serve`. */
  readonly drain: () => void;
  /** The manual clock the `?wait=` time limits run on: it moves only when a test advances it. */
  readonly timers: ManualTimers;
}

let built: Built | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  await built?.app.close();
  built = undefined;
});

function start(options: { singleUse?: boolean } = {}): Built {
  const draining = new AbortController();
  const timers = new ManualTimers();
  const { app, logs } = createTestApp(config(options.singleUse ?? false), {
    draining: draining.signal,
    waitTimers: timers,
  });
  built = { app, logs, drain: () => draining.abort(), timers };
  return built;
}

/** A long-lived CI token (an hour; a fresh jti unless one is given). */
function ciToken(jti: string = randomUUID()): string {
  return jwt.sign({ sub: "ci-test" }, SECRET, { algorithm: "HS256", expiresIn: 3_600, jwtid: jti });
}

function postCi(app: App, body: unknown, options: { token?: string; query?: string } = {}) {
  return request(app.http)
    .post(`/hooks/ci${options.query ?? ""}`)
    .set("content-type", "application/json")
    .set("authorization", `Bearer ${options.token ?? ciToken()}`)
    .send(JSON.stringify(body));
}

const push = (tag: string, image = FRONTEND) => ({ image, tag });

function deploymentCount(app: App): number {
  return app.core.store.list({ limit: 100 }).items.length;
}

/** A request in flight, and whether it has been answered yet. */
function inFlight(req: ReturnType<typeof postCi>) {
  let answered = false;
  const response = req.then((res) => {
    answered = true;
    return res;
  });
  return { response, answered: () => answered };
}

/** Resolves once the request waits: its time limit is a pending timer on the manual clock. */
async function waiting(timers: ManualTimers, limitMs: number): Promise<void> {
  await vi.waitFor(() => expect(timers.pending()).toEqual([limitMs]), { timeout: 10_000, interval: 10 });
}

describe("POST /hooks/ci?wait=SECONDS", () => {
  it("answers 200 with the succeeded deployment once it is done", async () => {
    const { app } = start();

    const res = await postCi(app, push("1.5.0"), { query: "?wait=30" });

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      outcome: "succeeded",
      deployments: [
        {
          id: expect.stringMatching(/^d_/),
          state: "succeeded",
          target: "demo/shop/frontend",
          image: `${FRONTEND}:1.5.0`,
        },
      ],
      duplicate: false,
    });
    expect(app.core.store.get(res.body.deployments[0].id)?.state).toBe("succeeded");
  }, 20_000);

  it("answers 409 naming the rolled-back deployment and why when the image never gets healthy", async () => {
    const { app } = start();

    const res = await postCi(app, push("bad-2.0"), { query: "?wait=30" });

    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.outcome).toBe("failed");
    expect(res.body.duplicate).toBe(false);
    const [deployment] = res.body.deployments;
    expect(deployment).toMatchObject({
      state: "rolled-back",
      target: "demo/shop/frontend",
      image: `${FRONTEND}:bad-2.0`,
      reason: expect.stringMatching(/\S/),
    });
    expect(deployment.reason).toBe(app.core.store.get(deployment.id)?.error?.message);
    expect(res.body.error.code).toBe("ERR_DEPLOY_FAILED");
    expect(res.body.error.message).toContain(deployment.id);
    expect(res.body.error.message).toContain("rolled-back");
  }, 30_000);

  it("counts waited requests in /metrics by what ingest made of them, not by the wait's status", async () => {
    const { app } = start();

    expect((await postCi(app, push("bad-2.1"), { query: "?wait=30" })).status).toBe(409);
    expect(
      (await postCi(app, push("1.0.0", "registry.example.com/shop/unmapped"), { query: "?wait=5" })).status,
    ).toBe(409);
    const metrics = await request(app.http).get("/metrics");

    expect(metrics.text).toContain('drover_webhooks_total{source="ci",outcome="accepted"} 1\n');
    expect(metrics.text).toContain('drover_webhooks_total{source="ci",outcome="ignored"} 1\n');
    expect(metrics.text).not.toContain('outcome="other"');
  }, 30_000);

  it("answers 504 with the current states when a deployment still runs at the limit", async () => {
    const { app, timers } = start();
    const req = inFlight(postCi(app, push("2.0.0", SLOW), { query: "?wait=1" }));
    await waiting(timers, 1_000);

    await timers.advance(999);
    const answeredEarly = req.answered();
    await timers.advance(1);
    const res = await req.response;

    expect(answeredEarly).toBe(false);
    expect(timers.pending()).toEqual([]);
    expect(res.status, JSON.stringify(res.body)).toBe(504);
    expect(res.body.outcome).toBe("timeout");
    expect(res.body.duplicate).toBe(false);
    expect(res.body.deployments).toHaveLength(1);
    expect(NON_TERMINAL).toContain(res.body.deployments[0].state);
    expect(res.body.deployments[0].target).toBe("demo/shop/worker");
    expect(res.body.error).toEqual({
      code: "ERR_WAIT_TIMEOUT",
      message: expect.stringContaining(res.body.deployments[0].id),
    });
  }, 15_000);

  it("answers an ignored delivery (no rule matches) at once with 409: nothing was deployed", async () => {
    const { app, timers } = start();
    const startedAt = timers.now();

    const res = await postCi(app, push("1.0.0", "registry.example.com/shop/unmapped"), {
      query: "?wait=600",
    });

    // Answered with the wait's clock standing still and no time limit ever set.
    expect(timers.now()).toBe(startedAt);
    expect(timers.pending()).toEqual([]);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      outcome: "ignored",
      deployments: [],
      duplicate: false,
      ignored: expect.stringContaining("no rule"),
      error: {
        code: "ERR_NOTHING_DEPLOYED",
        message: expect.stringMatching(/^nothing was deployed: .*no rule/),
      },
    });
  });

  it("without wait, the same ignored delivery is the normal 200", async () => {
    const { app } = start();

    const res = await postCi(app, push("1.0.0", "registry.example.com/shop/unmapped"));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      deployments: [],
      ignored: expect.stringContaining("no rule"),
      duplicate: false,
    });
  });

  it.each([
    ["0", "?wait=0"],
    ["a negative number", "?wait=-5"],
    ["a fraction", "?wait=1.5"],
    ["a non-number", "?wait=soon"],
    ["an empty value", "?wait="],
    ["a value over the maximum", "?wait=3601"],
    ["an exponent", "?wait=1e3"],
    ["a leading zero", "?wait=05"],
    ["a leading plus", "?wait=%2B5"],
    ["a repeated parameter", "?wait=5&wait=5"],
  ])("refuses %s with 400 ERR_WAIT_INVALID before storing anything", async (_name, query) => {
    const { app } = start();

    const res = await postCi(app, push("1.5.0"), { query });

    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("ERR_WAIT_INVALID");
    expect(res.body.error.message).toContain("from 1 to 3600");
    expect(deploymentCount(app)).toBe(0);
  });

  it("checks credentials first: an invalid wait with a bad token is a 401", async () => {
    const { app } = start();
    const forged = jwt.sign({ sub: "x" }, `${SECRET}-other`, {
      algorithm: "HS256",
      expiresIn: 60,
      jwtid: randomUUID(),
    });

    const res = await postCi(app, push("1.5.0"), { token: forged, query: "?wait=0" });

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("ERR_WEBHOOK_AUTH");
  });

  it("refuses wait on another hook with 400 ERR_WAIT_UNSUPPORTED and stores nothing", async () => {
    const { app } = start();
    const body = {
      events: [
        {
          id: randomUUID(),
          action: "push",
          target: {
            mediaType: "application/vnd.docker.distribution.manifest.v2+json",
            repository: "shop/frontend",
            tag: "1.5.0",
            digest: `sha256:${"a".repeat(64)}`,
          },
          request: { host: "registry.example.com" },
        },
      ],
    };

    const res = await request(app.http)
      .post("/hooks/registry?wait=30")
      .set("content-type", "application/vnd.docker.distribution.events.v1+json")
      .set("authorization", `Bearer ${REGISTRY_BEARER}`)
      .send(JSON.stringify(body));

    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("ERR_WAIT_UNSUPPORTED");
    expect(res.body.error.message).toBe("wait is only supported on /hooks/ci");
    expect(deploymentCount(app)).toBe(0);
  });

  it("answers a duplicate request with wait with the existing deployment once it is done", async () => {
    const { app } = start();
    const token = ciToken();

    const first = await postCi(app, push("1.6.0"), { token });
    const again = await postCi(app, push("1.6.0"), { token, query: "?wait=30" });

    expect(first.status).toBe(202);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.outcome).toBe("succeeded");
    expect(again.body.duplicate).toBe(true);
    expect(again.body.deployments.map((d: { id: string }) => d.id)).toEqual([first.body.deployments[0].id]);
    expect(deploymentCount(app)).toBe(1);
  }, 20_000);

  it("answers 503 at once (not after the whole wait) when drover starts draining for shutdown", async () => {
    const target = start();
    const startedAt = target.timers.now();
    const req = inFlight(postCi(target.app, push("2.1.0", SLOW), { query: "?wait=60" }));
    await waiting(target.timers, 60_000);

    target.drain();
    const res = await req.response;

    // Answered with the wait's clock standing still, its time limit cleared.
    expect(target.timers.now()).toBe(startedAt);
    expect(target.timers.pending()).toEqual([]);
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(res.body.outcome).toBe("interrupted");
    expect(res.body.error.code).toBe("ERR_UNAVAILABLE");
    expect(NON_TERMINAL).toContain(res.body.deployments[0].state);
  }, 15_000);

  it("answers 503 promptly when the app is closed while a request waits", async () => {
    const { app, timers } = start();
    const req = inFlight(postCi(app, push("2.2.0", SLOW), { query: "?wait=60" }));
    await waiting(timers, 60_000);
    expect(deploymentCount(app)).toBe(1);
    const startedAt = timers.now();

    await app.close();
    const res = await req.response;

    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.body.outcome).toBe("interrupted");
    expect(res.body.deployments).toHaveLength(1);
    // Answered with the wait's clock standing still, its time limit cleared.
    expect(timers.now()).toBe(startedAt);
    expect(timers.pending()).toEqual([]);
  }, 15_000);

  it("stops waiting when the client goes away, without leaking the transition listener", async () => {
    const { app, logs } = start();
    let subscribed = 0;
    const engine = app.core.engine;
    const original = engine.onTransition.bind(engine);
    vi.spyOn(engine, "onTransition").mockImplementation((listener) => {
      subscribed++;
      const unsubscribe = original(listener);
      return () => {
        subscribed--;
        unsubscribe();
      };
    });
    server = createServer(app.http);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const body = JSON.stringify(push("2.3.0", SLOW));

    const req = httpRequest({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/hooks/ci?wait=60",
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        authorization: `Bearer ${ciToken()}`,
      },
    });
    req.on("error", () => undefined);
    req.end(body);
    await vi.waitFor(() => expect(subscribed).toBe(1), { timeout: 5_000, interval: 20 });
    req.destroy();

    await vi.waitFor(
      () => expect(logs.text()).toContain("client left while waiting; the deployments go on"),
      { timeout: 3_000, interval: 20 },
    );
    expect(subscribed).toBe(0);
    const [stored] = app.core.store.list({ limit: 10 }).items;
    expect(stored?.image).toBe(SLOW);
    expect(NON_TERMINAL).toContain(stored?.state);
  }, 15_000);
});

describe("reusable CI tokens (ADR 0004)", () => {
  it("deploys twice with one long-lived token and two different tags", async () => {
    const { app } = start();
    const token = ciToken();

    const first = await postCi(app, push("1.7.0"), { token });
    const second = await postCi(app, push("1.7.1"), { token });

    expect(first.status).toBe(202);
    expect(second.status, JSON.stringify(second.body)).toBe(202);
    expect(first.body.duplicate).toBe(false);
    expect(second.body.duplicate).toBe(false);
    expect(second.body.deployments[0].id).not.toBe(first.body.deployments[0].id);
    expect(second.body.deployments[0].image).toBe(`${FRONTEND}:1.7.1`);
    expect(deploymentCount(app)).toBe(2);
  });

  it("answers the same token with the same body as a duplicate of the first request", async () => {
    const { app } = start();
    const token = ciToken();

    const first = await postCi(app, push("1.8.0"), { token });
    const replay = await postCi(app, push("1.8.0"), { token });
    const otherToken = await postCi(app, push("1.8.0"));

    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ ...first.body, duplicate: true, deployments: expect.any(Array) });
    expect(replay.body.deployments.map((d: { id: string }) => d.id)).toEqual([first.body.deployments[0].id]);
    // Another token (another build) with the same body is a new delivery.
    expect(otherToken.body.duplicate).toBe(false);
    expect(otherToken.body.deployments[0].id).not.toBe(first.body.deployments[0].id);
    expect(deploymentCount(app)).toBe(2);
  });

  it("with sources.ci.singleUse: true refuses the second use of a token with 401, whatever the body", async () => {
    const { app } = start({ singleUse: true });
    const token = ciToken();

    const first = await postCi(app, push("1.9.0"), { token });
    const replay = await postCi(app, push("1.9.0"), { token });
    const nextTag = await postCi(app, push("1.9.1"), { token, query: "?wait=5" });

    expect(first.status).toBe(202);
    for (const res of [replay, nextTag]) {
      expect(res.status, JSON.stringify(res.body)).toBe(401);
      expect(res.body.error).toMatchObject({ code: "ERR_WEBHOOK_AUTH", reason: "replayed" });
      expect(res.body.error.message).toMatch(/already used/);
    }
    expect(deploymentCount(app)).toBe(1);
  });
});
