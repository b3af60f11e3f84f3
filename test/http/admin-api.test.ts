import request, { type Response } from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { ConfigHolder, loadConfig } from "../../src/config/index.js";
import { resolveSettings } from "../../src/deploy/index.js";
import type { Deployment, DeploymentState, DeployTarget } from "../../src/domain/index.js";
import { createRancherSimulator, type RancherSimulator } from "../../src/simulator/index.js";
import { createTestApp } from "../helpers/test-app.js";

const TOKEN = "admin-token-for-tests-0123456789";
const FRONTEND = "registry.example.com/shop/frontend";
const WORKER = "registry.example.com/shop/worker";
const NGINX = "docker.io/library/nginx";
const auth = { authorization: `Bearer ${TOKEN}` };

/** The demo simulator, a rule for the frontend (with a strategy override) and nothing for the worker. */
function demoConfig(options: { readOpen?: boolean } = {}): string {
  return `
storage: { path: ":memory:" }
environments:
  demo: { simulator: default, timeScale: 0.02 }
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 3s
  verify: { soak: 200ms, timeout: 1500ms }
${options.readOpen === undefined ? "" : `admin: { readOpen: ${String(options.readOpen)} }`}
rules:
  - image: ${FRONTEND}
    tags: { glob: "*" }
    targets:
      - { environment: demo, stack: shop, service: frontend, strategy: { batchSize: 1 } }
`;
}

interface Harness {
  readonly app: App;
  readonly holder: ConfigHolder;
  /** In-process simulators the app started (the demo environment's, once first used). */
  readonly sims: RancherSimulator[];
  /** Replaces the config text and reloads it as `serve` does on a file change. */
  reload(text: string): ReturnType<ConfigHolder["reload"]>;
}

interface BuildOptions {
  readonly config?: string;
  /** `null`: no `DROVER_ADMIN_TOKEN` at all. */
  readonly adminToken?: string | null;
  readonly env?: Record<string, string>;
  readonly fetch?: typeof fetch;
}

let harness: Harness | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await harness?.app.close();
  harness = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function build(options: BuildOptions = {}): Harness {
  let text = options.config ?? demoConfig();
  const sims: RancherSimulator[] = [];
  const { app, configHolder: holder } = createTestApp(() => text, {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.adminToken === null ? {} : { adminToken: options.adminToken ?? TOKEN }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    startSimulator: async (_seed, timeScale) => {
      const sim = await createRancherSimulator({ timeScale });
      sims.push(sim);
      return { ...sim, close: () => sim.close() };
    },
  });
  harness = {
    app,
    holder,
    sims,
    reload: (next) => {
      text = next;
      return holder.reload("manual");
    },
  };
  return harness;
}

function get(h: Harness, path: string, headers: Record<string, string> = auth) {
  return request(h.app.http).get(path).set(headers);
}

function post(h: Harness, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const req = request(h.app.http).post(path).set(headers);
  return body === undefined ? req : req.send(body as object);
}

/** Asserts the error contract: status, `{ error: { code, message } }` and nothing else. */
function expectError(res: Response, status: number, code: string, message?: RegExp): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status,
    body: {
      error: { code, message: message === undefined ? expect.any(String) : expect.stringMatching(message) },
    },
  });
}

const ids = (res: Response): string[] =>
  (res.body as { items: { id: string }[] }).items.map((item) => item.id);

let finishedClock = Date.UTC(2024, 0, 1);

interface SeedInput {
  readonly service?: string;
  readonly sidekick?: string;
  readonly image?: string;
  readonly tag: string;
  readonly state?: DeploymentState;
  readonly previousImage?: string;
}

/** Stores a deployment directly (no engine involved), moved to `state` with a later `finishedAt` each time. */
function seed(h: Harness, input: SeedInput): Deployment {
  const target: DeployTarget = {
    environment: "demo",
    stack: "shop",
    service: input.service ?? "frontend",
    ...(input.sidekick === undefined ? {} : { sidekick: input.sidekick }),
  };
  const created = h.app.core.store.create({
    target,
    image: input.image ?? FRONTEND,
    tag: input.tag,
    source: "manual",
    settings: resolveSettings(h.holder.current.config, target),
  });
  if (input.state === undefined || input.state === "queued") return created;
  finishedClock += 1_000;
  return h.app.core.store.transition({
    id: created.id,
    from: "queued",
    to: input.state,
    detail: "seeded by the test",
    patch: {
      finishedAt: new Date(finishedClock).toISOString(),
      ...(input.previousImage === undefined ? {} : { previousImage: input.previousImage }),
    },
  });
}

async function manualDeploy(h: Harness, tag: string, target = "demo/shop/frontend"): Promise<string> {
  const res = await post(h, "/api/deployments", { image: FRONTEND, tag, target });
  expect(res.status).toBe(202);
  return (res.body as { id: string }).id;
}

async function settle(h: Harness, id: string, timeoutMs = 20_000): Promise<Deployment> {
  const [done] = await h.app.core.engine.waitForTerminal([id], timeoutMs);
  if (done === undefined) throw new Error(`deployment ${id} not found`);
  return done;
}

async function waitForState(h: Harness, id: string, states: readonly DeploymentState[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!states.includes(h.app.core.store.get(id)?.state ?? "queued")) {
    if (Date.now() > deadline) throw new Error(`deployment ${id} never reached ${states.join("/")}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The image the simulated service's primary launch config runs. */
function serviceImage(h: Harness, service: string): string {
  const sim = h.sims[0];
  if (sim === undefined) throw new Error("the demo simulator was never started");
  const found = sim.control.service(sim.control.serviceId("shop", service));
  return (found["launchConfig"] as { imageUuid: string }).imageUuid;
}

/** Walks every page of `query` with `limit`, checking each page's size and cursor. */
async function walk(h: Harness, query: string, limit: number, from?: string): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined = from;
  for (let page = 0; page < 100; page += 1) {
    const res = await get(
      h,
      `/api/deployments?${query}${query === "" ? "" : "&"}limit=${String(limit)}${cursor === undefined ? "" : `&cursor=${cursor}`}`,
    );
    expect(res.status).toBe(200);
    const body = res.body as { items: { id: string }[]; nextCursor?: string };
    expect(body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...body.items.map((item) => item.id));
    cursor = body.nextCursor;
    if (cursor === undefined) return seen;
    expect(body.items).toHaveLength(limit);
  }
  throw new Error("more than 100 pages");
}

describe("admin API: authentication", () => {
  const endpoints = (id: string, other: string): [method: "get" | "post", path: string, body?: unknown][] => [
    ["get", "/api/deployments"],
    ["get", `/api/deployments/${id}`],
    ["post", "/api/deployments", { image: FRONTEND, tag: "1.3.0", target: "demo/shop/frontend" }],
    ["post", `/api/deployments/${id}/cancel`],
    ["post", `/api/deployments/${other}/retry`],
    ["post", "/api/targets/demo/shop/frontend/rollback"],
    ["get", "/api/targets"],
    ["get", "/api/config"],
  ];

  it("refuses every endpoint without a header, with a wrong token or another scheme, and serves the right one", async () => {
    const h = build();
    seed(h, { tag: "1.1.0", state: "succeeded", previousImage: `${FRONTEND}:1.0.0` });
    seed(h, { tag: "1.2.0", state: "succeeded", previousImage: `${FRONTEND}:1.1.0` });
    const queued = seed(h, { service: "worker", image: WORKER, tag: "w1" });
    const rolledBack = seed(h, { service: "worker", image: WORKER, tag: "w0", state: "rolled-back" });
    const refusals: [headers: Record<string, string>, message: RegExp][] = [
      [{}, /Bearer <DROVER_ADMIN_TOKEN>/],
      [{ authorization: "Bearer nope-nope-nope-nope" }, /wrong admin token/],
      [{ authorization: `Bearer ${TOKEN}x` }, /wrong admin token/],
      [{ authorization: `Bearer ${TOKEN.slice(0, -1)}` }, /wrong admin token/],
      [{ authorization: `Bearer ${"x".repeat(8_000)}` }, /wrong admin token/],
      [{ authorization: `Basic ${TOKEN}` }, /Bearer <DROVER_ADMIN_TOKEN>/],
      [{ authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString("base64")}` }, /Bearer/],
      [{ authorization: TOKEN }, /Bearer <DROVER_ADMIN_TOKEN>/],
      [{ authorization: "Bearer" }, /Bearer <DROVER_ADMIN_TOKEN>/],
      [{ authorization: "" }, /Bearer <DROVER_ADMIN_TOKEN>/],
    ];
    const before = h.app.core.store.list({ limit: 200 }).items.length;

    for (const [method, path, body] of endpoints(queued.id, rolledBack.id)) {
      for (const [headers, message] of refusals) {
        const res = method === "get" ? await get(h, path, headers) : await post(h, path, body, headers);
        expectError(res, 401, "ERR_AUTH", message);
        expect(res.headers["www-authenticate"]).toBe('Bearer realm="drover admin API"');
      }
    }
    expect(h.app.core.store.list({ limit: 200 }).items).toHaveLength(before);
    expect(h.app.core.store.get(queued.id)?.state).toBe("queued");

    const served: number[] = [];
    for (const [method, path, body] of endpoints(queued.id, rolledBack.id)) {
      const res = method === "get" ? await get(h, path) : await post(h, path, body);
      served.push(res.status);
    }
    const lowerCaseScheme = await get(h, "/api/config", { authorization: `bearer ${TOKEN}` });

    expect(served).toEqual([200, 200, 202, 202, 202, 202, 200, 200]);
    expect(lowerCaseScheme.status).toBe(200);
  });

  it("refuses everything, right-looking token or not, when no admin token is configured", async () => {
    const h = build({ adminToken: null });
    const id = seed(h, { tag: "1.1.0" }).id;

    for (const [method, path, body] of endpoints(id, id)) {
      for (const headers of [{}, auth, { authorization: "Bearer undefined" }]) {
        const res = method === "get" ? await get(h, path, headers) : await post(h, path, body, headers);
        // Not "wrong admin token": no token could be right, and the answer says why.
        expect({ status: res.status, body: res.body as unknown }).toEqual({
          status: 401,
          body: {
            error: {
              code: "ERR_AUTH",
              reason: "admin-token-unset",
              message: expect.stringMatching(
                /^no admin token is configured on this drover \(DROVER_ADMIN_TOKEN/,
              ),
            },
          },
        });
      }
    }
    expect(h.app.core.store.get(id)?.state).toBe("queued");
  });

  it("opens GET requests (only) without a token when admin.readOpen is true", async () => {
    const h = build({ config: demoConfig({ readOpen: true }) });
    const queued = seed(h, { service: "worker", image: WORKER, tag: "w1" });
    const failed = seed(h, { service: "worker", image: WORKER, tag: "w0", state: "failed" });
    seed(h, { tag: "1.1.0", state: "succeeded", previousImage: `${FRONTEND}:1.0.0` });

    const reads: number[] = [];
    const writes: Response[] = [];
    for (const [method, path, body] of endpoints(queued.id, failed.id)) {
      if (method === "get") {
        reads.push(
          (await get(h, path, {})).status,
          (await get(h, path, { authorization: "Bearer wrong" })).status,
        );
      } else {
        writes.push(
          await post(h, path, body, {}),
          await post(h, path, body, { authorization: "Bearer wrong" }),
        );
      }
    }
    const head = await request(h.app.http).head("/api/config");
    const unknownRoute = await get(h, "/api/nothing-here", {});
    const config = await get(h, "/api/config", {});

    expect(reads).toEqual(Array<number>(reads.length).fill(200));
    for (const res of writes) expectError(res, 401, "ERR_AUTH");
    expect(head.status).toBe(200);
    expectError(unknownRoute, 404, "ERR_ROUTE_NOT_FOUND");
    expect(JSON.stringify(config.body)).not.toContain(TOKEN);
    expect(h.app.core.store.get(queued.id)?.state).toBe("queued");
    expect(h.app.core.store.list({ limit: 200 }).items).toHaveLength(3);
  });

  it("reads admin.readOpen from the config in force: a hot reload opens and closes reads", async () => {
    const h = build({ config: demoConfig() });

    const closed = await get(h, "/api/deployments", {});
    const opened = h.reload(demoConfig({ readOpen: true }));
    const open = await get(h, "/api/deployments", {});
    const openWrite = await post(
      h,
      "/api/deployments",
      { image: FRONTEND, tag: "1", target: "demo/shop/frontend" },
      {},
    );
    const reclosed = h.reload(demoConfig({ readOpen: false }));
    const closedAgain = await get(h, "/api/deployments", {});
    const status = await get(h, "/api/config");

    expectError(closed, 401, "ERR_AUTH");
    expect(opened.outcome).toBe("swapped");
    expect(open.status).toBe(200);
    expectError(openWrite, 401, "ERR_AUTH");
    expect(reclosed.outcome).toBe("swapped");
    expectError(closedAgain, 401, "ERR_AUTH");
    expect(status.body).toMatchObject({ reloads: 2, rejectedReloads: 0 });
  });

  it("rejects a non-boolean admin.readOpen and unknown admin keys in the config", () => {
    const load = (admin: string): unknown => {
      try {
        return loadConfig({
          file: "drover.yml",
          env: {},
          readFile: () => `${demoConfig()}\nadmin: ${admin}\n`,
        });
      } catch (error) {
        return (error as Error).message;
      }
    };

    expect(load("{ readOpen: yes-please }")).toMatch(/admin\.readOpen/);
    expect(load("{ readonly: true }")).toMatch(/admin/);
    expect(loadConfig({ file: "x", env: {}, readFile: () => demoConfig() }).config.admin).toEqual({
      readOpen: false,
    });
  });
});

describe("admin API: routes and ids", () => {
  it("answers 404 for unknown deployments and routes, 400 for broken percent-encoding, never 500", async () => {
    const h = build();
    const wellFormed = "d_01HZZZZZZZZZZZZZZZZZZZZZZZ";
    const hostileIds = [
      "d_nope",
      wellFormed,
      "..%2F..%2Fetc%2Fpasswd",
      "%2E%2E",
      encodeURIComponent("' OR 1=1 --"),
      encodeURIComponent('"; DROP TABLE deployments; --'),
      "%00",
      encodeURIComponent("<script>alert(1)</script>"),
      "x".repeat(4_000),
    ];

    for (const id of hostileIds) {
      expectError(await get(h, `/api/deployments/${id}`), 404, "ERR_DEPLOYMENT_NOT_FOUND");
      expectError(await post(h, `/api/deployments/${id}/cancel`), 404, "ERR_DEPLOYMENT_NOT_FOUND");
      expectError(await post(h, `/api/deployments/${id}/retry`), 404, "ERR_DEPLOYMENT_NOT_FOUND");
    }
    for (const path of [
      "/api/deployments/%E0%A4%A",
      "/api/deployments/%/cancel",
      "/api/targets/demo/%zz/web/rollback",
    ])
      expectError(await post(h, path), 400, "ERR_PATH_MALFORMED");
    expectError(await get(h, "/api/deployments/%E0%A4%A"), 400, "ERR_PATH_MALFORMED");
    expectError(await get(h, "/api/nothing"), 404, "ERR_ROUTE_NOT_FOUND");
    expectError(await get(h, "/api"), 404, "ERR_ROUTE_NOT_FOUND");
    expectError(await request(h.app.http).put("/api/deployments").set(auth), 404, "ERR_ROUTE_NOT_FOUND");
    expectError(
      await request(h.app.http).delete(`/api/deployments/${wellFormed}`).set(auth),
      404,
      "ERR_ROUTE_NOT_FOUND",
    );
    expectError(await get(h, "/api/targets/demo/shop/frontend/rollback"), 404, "ERR_ROUTE_NOT_FOUND");
    expectError(await get(h, "/api/nothing", {}), 401, "ERR_AUTH");
  });
});

describe("admin API: listing deployments", () => {
  /** 21 deployments over three launch configs, five states and four images; newest first. */
  function seedHistory(h: Harness): Deployment[] {
    const created: Deployment[] = [];
    const states: DeploymentState[] = ["succeeded", "failed", "rolled-back", "canceled"];
    for (let i = 0; i < 12; i += 1)
      created.push(seed(h, { tag: `1.${String(i)}.0`, state: states[i % states.length] ?? "succeeded" }));
    for (let i = 0; i < 6; i += 1)
      created.push(
        seed(h, {
          service: "worker",
          image: WORKER,
          tag: `w${String(i)}`,
          state: i % 2 === 0 ? "queued" : "succeeded",
        }),
      );
    created.push(seed(h, { sidekick: "nginx", image: NGINX, tag: "1.25", state: "succeeded" }));
    created.push(seed(h, { sidekick: "nginx", image: NGINX, tag: "1.26", state: "succeeded" }));
    created.push(seed(h, { service: "worker", image: "docker.io/acme/api", tag: "1.4.2", state: "failed" }));
    return created.reverse();
  }

  it("filters by target, state list and image (name or name:tag), alone and combined, on every page", async () => {
    const h = build();
    const all = seedHistory(h);
    const frontend = (d: Deployment): boolean => d.targetKey === "demo/shop/frontend";
    const cases: [query: string, expected: (d: Deployment) => boolean][] = [
      ["", () => true],
      ["target=demo/shop/frontend", frontend],
      ["target=DEMO/Shop/FRONTEND", frontend],
      ["target=demo/shop/worker", (d) => d.targetKey === "demo/shop/worker"],
      ["target=demo/shop/nothing", () => false],
      ["state=succeeded", (d) => d.state === "succeeded"],
      ["state=succeeded,failed", (d) => d.state === "succeeded" || d.state === "failed"],
      ["state=queued", (d) => d.state === "queued"],
      ["state=failed,failed,", (d) => d.state === "failed"],
      ["state=", () => true],
      ["state=preparing,upgrading", () => false],
      [`image=${FRONTEND}`, (d) => d.image === FRONTEND],
      [`image=${FRONTEND}:1.3.0`, (d) => d.image === FRONTEND && d.tag === "1.3.0"],
      [`image=${FRONTEND}:9.9.9`, () => false],
      ["image=nginx", (d) => d.image === NGINX],
      ["image=nginx:1.26", (d) => d.image === NGINX && d.tag === "1.26"],
      [`image=${NGINX}:1.25`, (d) => d.image === NGINX && d.tag === "1.25"],
      ["image=acme/api", (d) => d.image === "docker.io/acme/api"],
      ["image=index.docker.io/acme/api:1.4.2", (d) => d.image === "docker.io/acme/api"],
      [
        "target=demo/shop/frontend&state=failed,canceled",
        (d) => frontend(d) && ["failed", "canceled"].includes(d.state),
      ],
      [
        `target=demo/shop/frontend&state=succeeded&image=${FRONTEND}`,
        (d) => frontend(d) && d.state === "succeeded" && d.image === FRONTEND,
      ],
      [`target=demo/shop/worker&image=${FRONTEND}`, () => false],
      ["target=demo/shop/frontend&image=nginx&state=succeeded", (d) => d.image === NGINX],
    ];

    for (const [query, expected] of cases) {
      const want = all.filter(expected).map((d) => d.id);
      expect({ query, ids: await walk(h, query, 4) }).toEqual({ query, ids: want });
      const single = await get(h, `/api/deployments${query === "" ? "" : `?${query}`}`);
      expect({ query, ids: ids(single) }).toEqual({ query, ids: want });
    }
    expect(all.filter(frontend).length).toBe(14);
  });

  it("walks every page with small limits: newest first, no duplicates, no gaps, even with inserts between pages", async () => {
    const h = build();
    const all = seedHistory(h).map((d) => d.id);

    for (const limit of [1, 2, 5, 20, 21, 200])
      expect({ limit, ids: await walk(h, "", limit) }).toEqual({ limit, ids: all });
    const first = await get(h, "/api/deployments?limit=5");
    for (let i = 0; i < 3; i += 1) seed(h, { tag: `late-${String(i)}` });
    const rest = await walk(h, "", 5, (first.body as { nextCursor: string }).nextCursor);
    const fresh = await get(h, "/api/deployments?limit=3");
    const lastPage = await get(h, "/api/deployments?limit=200");

    expect([...ids(first), ...rest]).toEqual(all);
    expect(ids(fresh)).toEqual(h.app.core.store.list({ limit: 3 }).items.map((d) => d.id));
    expect(ids(fresh)).not.toContain(all[0]);
    expect(lastPage.body).not.toHaveProperty("nextCursor");
    expect(first.body).toEqual({ items: expect.any(Array), nextCursor: expect.stringMatching(/^[\w-]+$/) });
  });

  it("answers 422 for bad limits, states, targets, images and unknown parameters, and 400 for bad cursors", async () => {
    const h = build();
    seedHistory(h);
    const invalid = [
      "limit=0",
      "limit=-1",
      "limit=201",
      "limit=2.5",
      "limit=abc",
      "limit=",
      "limit=1&limit=2",
      "state=exploded",
      "state=succeeded,exploded",
      "state=succeeded&state=failed",
      `state=${"x".repeat(400)}`,
      "target=demo/shop",
      "target=demo/shop/frontend/nginx",
      "target=",
      "target=/shop/frontend",
      `target=${"a/".repeat(200)}a`,
      "image=",
      "image=Shop/Web",
      `image=nginx@sha256:${"a".repeat(64)}`,
      `image=${"a".repeat(301)}`,
      "image=nginx:bad tag",
      "colour=red",
      "target[$ne]=x",
      "__proto__=x",
      "constructor=x",
    ];
    const badCursors = [
      "garbage!!",
      "",
      Buffer.from("d_not-an-id").toString("base64url"),
      Buffer.from("d_01HZZZZZZZZZZZZZZZZZZZZZZZ").toString("base64"),
      Buffer.from("x".repeat(30)).toString("base64url"),
      "a".repeat(500),
      encodeURIComponent("' OR 1=1 --"),
    ];

    for (const query of invalid)
      expect({
        query,
        res: await get(h, `/api/deployments?${query}`).then((r) => [r.status, r.body]),
      }).toEqual({
        query,
        res: [422, { error: { code: "ERR_PAYLOAD_INVALID", message: expect.any(String) } }],
      });
    for (const cursor of badCursors)
      expectError(await get(h, `/api/deployments?cursor=${cursor}`), 400, "ERR_STORE_CURSOR_INVALID");
    const unknownState = await get(h, "/api/deployments?state=exploded");
    const unknownParam = await get(h, "/api/deployments?colour=red");
    const valid = await get(h, "/api/deployments?limit=200");

    expect((unknownState.body as { error: { message: string } }).error.message).toBe(
      'unknown state "exploded"',
    );
    expect((unknownParam.body as { error: { message: string } }).error.message).toBe(
      "unknown field(s) colour",
    );
    expect(valid.status).toBe(200);
  });
});

describe("admin API: manual deploys", () => {
  it("deploys, shows the deployment with its event log and runs it to succeeded on the service", async () => {
    const h = build();

    const res = await post(h, "/api/deployments", {
      image: FRONTEND,
      tag: "1.1.0",
      target: "demo/shop/frontend",
    });
    const id = (res.body as { id: string }).id;
    const done = await settle(h, id);
    const one = await get(h, `/api/deployments/${id}`);
    const body = one.body as Record<string, unknown> & { events: Record<string, unknown>[] };

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^d_[0-9A-Z]{26}$/),
      state: "queued",
      source: "manual",
      target: { environment: "demo", stack: "shop", service: "frontend" },
      targetKey: "demo/shop/frontend",
      image: FRONTEND,
      tag: "1.1.0",
      reqId: expect.any(String),
      settings: {
        strategy: { batchSize: 1, intervalMillis: 100, startFirst: false },
        upgradeTimeoutMs: 3_000,
      },
    });
    expect(res.body).not.toHaveProperty("callbackUrl");
    expect(done.state).toBe("succeeded");
    expect(one.status).toBe(200);
    expect(body).toMatchObject({
      id,
      state: "succeeded",
      previousImage: `${FRONTEND}:1.0.0`,
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(body.events[0]).toMatchObject({ seq: expect.any(Number), deploymentId: id, state: "queued" });
    expect(body.events.at(-1)).toMatchObject({ kind: "transition", state: "succeeded" });
    expect(body.events.map((event) => event["state"])).toEqual(
      expect.arrayContaining(["preparing", "upgrading", "verifying", "finishing"]),
    );
    expect(body.events.every((event) => event["deploymentId"] === id)).toBe(true);
    expect(serviceImage(h, "frontend")).toBe(`docker:${FRONTEND}:1.1.0`);
  });

  it("takes settings from the rule naming the target, else from defaults; accepts sidekicks, digests and +json", async () => {
    const h = build();
    const digest = `sha256:${"ab".repeat(32)}`;

    const ruled = await post(h, "/api/deployments", {
      image: FRONTEND,
      tag: "2.0.0",
      target: "demo/shop/frontend",
      digest,
    });
    const unruled = await post(h, "/api/deployments", {
      image: WORKER,
      tag: "v2",
      target: "demo/shop/worker",
    });
    const sidekick = await post(h, "/api/deployments", {
      image: "nginx",
      tag: "1.27",
      target: "demo/shop/frontend/nginx",
    });
    const vendorJson = await request(h.app.http)
      .post("/api/deployments")
      .set(auth)
      .set("content-type", "application/vnd.drover+json; charset=utf-8")
      .send(JSON.stringify({ image: WORKER, tag: "v3", target: "demo/shop/worker" }));

    expect([ruled.status, unruled.status, sidekick.status, vendorJson.status]).toEqual([202, 202, 202, 202]);
    expect(ruled.body).toMatchObject({ digest, settings: { strategy: { batchSize: 1 } } });
    expect(unruled.body).toMatchObject({
      image: WORKER,
      target: { environment: "demo", stack: "shop", service: "worker" },
      settings: { strategy: { batchSize: 2 } },
    });
    expect(sidekick.body).toMatchObject({
      image: NGINX,
      target: { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" },
      targetKey: "demo/shop/frontend",
      settings: { strategy: { batchSize: 2 } },
    });
    expect(vendorJson.body).toMatchObject({ tag: "v3", state: "queued" });
  });

  it("answers 422 for every invalid body, 415 for non-JSON, 400 for malformed JSON, 413 when oversized; stores nothing", async () => {
    const h = build();
    const good = { image: FRONTEND, tag: "1.1.0", target: "demo/shop/frontend" };
    const invalid: [body: unknown, message: RegExp][] = [
      [{ ...good, force: true }, /^unknown field\(s\) force$/],
      [{ ...good, Image: FRONTEND }, /unknown field\(s\) Image/],
      [{ tag: "1", target: good.target }, /^image: /],
      [{ image: FRONTEND, target: good.target }, /^tag: /],
      [{ image: FRONTEND, tag: "1" }, /^target: /],
      [{}, /: /],
      [[], /expected object/i],
      [[good], /expected object/i],
      [{ ...good, image: 42 }, /^image: /],
      [{ ...good, image: "" }, /^image: /],
      [{ ...good, image: "Shop/Frontend" }, /invalid image name/],
      [{ ...good, image: `${FRONTEND}:1.1.0` }, /invalid image name/],
      [{ ...good, image: "http://evil.example.com/x" }, /invalid image name/],
      [{ ...good, target: "demo/shop" }, /^target: target must be/],
      [{ ...good, target: "demo/shop/frontend/nginx/extra" }, /^target: /],
      [{ ...good, target: "/shop/frontend" }, /^target: /],
      [{ ...good, target: "demo//frontend" }, /^target: /],
      [{ ...good, target: "demo/shop/" }, /^target: /],
      [{ ...good, target: ["demo", "shop", "frontend"] }, /^target: /],
      [{ ...good, target: { environment: "demo" } }, /^target: /],
      [{ ...good, target: "prod/shop/frontend" }, /^environment "prod" is not configured$/],
      [{ ...good, target: "Demo/shop/frontend" }, /^environment "Demo" is not configured$/],
      [{ ...good, target: "constructor/shop/frontend" }, /environment "constructor" is not configured/],
      [{ ...good, target: "__proto__/shop/frontend" }, /^target: target must be/],
      [{ ...good, target: "demo/../frontend" }, /^target: target must be/],
      [{ ...good, target: "demo/shop/front end" }, /^target: target must be/],
      [{ ...good, target: "toString/shop/frontend" }, /environment "toString" is not configured/],
      [{ ...good, tag: "" }, /^tag: not a valid tag$/],
      [{ ...good, tag: "-leading-dash" }, /^tag: not a valid tag$/],
      [{ ...good, tag: "has space" }, /^tag: not a valid tag$/],
      [{ ...good, tag: "a".repeat(129) }, /^tag: not a valid tag$/],
      [{ ...good, tag: "1.0;rm -rf /" }, /^tag: not a valid tag$/],
      [{ ...good, tag: 1.1 }, /^tag: /],
      [{ ...good, digest: "sha256:xyz" }, /^digest: not a sha256 digest$/],
      [{ ...good, digest: `md5:${"a".repeat(32)}` }, /^digest: not a sha256 digest$/],
      [{ ...good, digest: `sha256:${"A".repeat(64)}` }, /^digest: not a sha256 digest$/],
      [{ ...good, digest: null }, /^digest: /],
    ];

    for (const [body, message] of invalid) {
      const res = await post(h, "/api/deployments", body);
      expect({ body, status: res.status, error: res.body as unknown }).toEqual({
        body,
        status: 422,
        error: { error: { code: "ERR_PAYLOAD_INVALID", message: expect.stringMatching(message) } },
      });
    }
    const raw = (type: string | undefined, text: string) => {
      const req = request(h.app.http).post("/api/deployments").set(auth);
      return (type === undefined ? req : req.set("content-type", type)).send(text);
    };
    expectError(await raw("text/plain", JSON.stringify(good)), 415, "ERR_CONTENT_TYPE");
    expectError(await raw("application/x-www-form-urlencoded", "image=x&tag=1"), 415, "ERR_CONTENT_TYPE");
    expectError(await raw("application/xml", "<deploy/>"), 415, "ERR_CONTENT_TYPE");
    expectError(await raw("multipart/form-data; boundary=x", "--x--"), 415, "ERR_CONTENT_TYPE");
    expectError(await raw("application/json; charset=latin1", JSON.stringify(good)), 415, "ERR_CONTENT_TYPE");
    expectError(await raw("application/json", '{"image": '), 400, "ERR_PAYLOAD_MALFORMED");
    expectError(await raw("application/json", "{'image': 'x'}"), 400, "ERR_PAYLOAD_MALFORMED");
    // Valid JSON that is not a deploy request is a 422, not "malformed".
    expectError(await raw("application/json", '"just a string"'), 422, "ERR_PAYLOAD_INVALID");
    expectError(await raw("application/json", "null"), 422, "ERR_PAYLOAD_INVALID");
    expectError(await raw("application/json", "[1, 2]"), 422, "ERR_PAYLOAD_INVALID");
    expectError(await raw("application/json", "\u0000\u0001"), 400, "ERR_PAYLOAD_MALFORMED");
    expectError(await raw("application/json", "{}"), 422, "ERR_PAYLOAD_INVALID");
    expectError(await post(h, "/api/deployments"), 422, "ERR_PAYLOAD_INVALID");
    expectError(
      await raw("application/json", JSON.stringify({ ...good, pad: "x".repeat(1_100_000) })),
      413,
      "ERR_PAYLOAD_TOO_LARGE",
    );
    expect(h.app.core.store.list({ limit: 200 }).items).toEqual([]);
  });

  it("refuses an image with white space around it (422) instead of trimming it; stores nothing", async () => {
    const h = build();
    const good = { image: FRONTEND, tag: "1.1.0", target: "demo/shop/frontend" };
    for (const image of [
      `${FRONTEND}\n`,
      ` ${FRONTEND}`,
      `${FRONTEND} `,
      `\t${FRONTEND}\t`,
      `${FRONTEND}\r\n`,
    ]) {
      const res = await post(h, "/api/deployments", { ...good, image });
      expect({ image, status: res.status, error: res.body as unknown }).toEqual({
        image,
        status: 422,
        error: {
          error: { code: "ERR_PAYLOAD_INVALID", message: expect.stringMatching(/^invalid image name/) },
        },
      });
    }
    expect(h.app.core.store.list({ limit: 200 }).items).toEqual([]);
  });
});

describe("admin API: cancel", () => {
  it("cancels a queued deployment at once and stops a running one, which ends canceled on the old image", async () => {
    const h = build();
    const running = await manualDeploy(h, "slow-1.1.0");
    const queued = await manualDeploy(h, "1.2.0");

    const cancelQueued = await post(h, `/api/deployments/${queued}/cancel`);
    await waitForState(h, running, ["upgrading"]);
    const imageWhileUpgrading = serviceImage(h, "frontend");
    const cancelRunning = await post(h, `/api/deployments/${running}/cancel`);
    const done = await settle(h, running);
    const shown = await get(h, `/api/deployments/${running}`);
    const cancelTerminal = await post(h, `/api/deployments/${running}/cancel`);
    const cancelTwice = await post(h, `/api/deployments/${queued}/cancel`);
    await h.app.core.engine.whenIdle();

    expect(cancelQueued.status).toBe(202);
    expect(cancelQueued.body).toMatchObject({
      id: queued,
      state: "canceled",
      error: { code: "ERR_CANCELED", message: "canceled by an operator" },
    });
    expect(cancelRunning.status).toBe(202);
    expect(cancelRunning.body).toMatchObject({
      id: running,
      state: expect.stringMatching(/upgrading|rolling-back/),
    });
    expect(imageWhileUpgrading).toBe(`docker:${FRONTEND}:slow-1.1.0`);
    expect(done.state).toBe("canceled");
    expect(done.error?.code).toBe("ERR_CANCELED");
    expect((shown.body as { events: { state: string }[] }).events.map((e) => e.state)).toContain(
      "rolling-back",
    );
    expect((shown.body as { events: { detail: string }[] }).events.map((e) => e.detail)).toContain(
      "cancel requested by an operator",
    );
    expectError(cancelTerminal, 409, "ERR_STORE_CONFLICT", /already canceled/);
    expectError(cancelTwice, 409, "ERR_STORE_CONFLICT", /already canceled/);
    expect(h.app.core.store.get(queued)?.state).toBe("canceled");
    expect(serviceImage(h, "frontend")).toBe(`docker:${FRONTEND}:1.0.0`);
  }, 30_000);

  it("refuses to cancel any terminal deployment (409) and cancels one queued before the engine saw it", async () => {
    const h = build();
    const terminal = (["succeeded", "failed", "rolled-back", "superseded", "skipped"] as const).map(
      (state) => seed(h, { tag: `t-${state}`, state }).id,
    );
    const stored = seed(h, { service: "worker", image: WORKER, tag: "w1" });

    for (const id of terminal)
      expectError(await post(h, `/api/deployments/${id}/cancel`), 409, "ERR_STORE_CONFLICT");
    const canceled = await post(h, `/api/deployments/${stored.id}/cancel`);

    expect(canceled.status).toBe(202);
    expect(canceled.body).toMatchObject({ id: stored.id, state: "canceled" });
  });
});

describe("admin API: retry and rollback", () => {
  it("retries a rolled-back deployment as a new one with parentId, and refuses to retry a succeeded one", async () => {
    const h = build();
    const bad = await manualDeploy(h, "bad-9.9.9");
    const badDone = await settle(h, bad);

    const retry = await post(h, `/api/deployments/${bad}/retry`);
    const retryId = (retry.body as { id: string }).id;
    const retryDone = await settle(h, retryId);
    const good = await manualDeploy(h, "1.1.0");
    await settle(h, good);
    const retrySucceeded = await post(h, `/api/deployments/${good}/retry`);

    expect(badDone.state).toBe("rolled-back");
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({
      state: "queued",
      source: "retry",
      parentId: bad,
      image: FRONTEND,
      tag: "bad-9.9.9",
      target: { environment: "demo", stack: "shop", service: "frontend" },
    });
    expect(retryId).not.toBe(bad);
    expect(retryDone.state).toBe("rolled-back");
    expectError(retrySucceeded, 409, "ERR_STORE_CONFLICT", /this one is succeeded/);
    expect(serviceImage(h, "frontend")).toBe(`docker:${FRONTEND}:1.1.0`);
  }, 40_000);

  it("retries failed and canceled deployments only (409 for queued, running-states, superseded, skipped)", async () => {
    const h = build();
    const allowed = (["failed", "canceled"] as const).map((state) =>
      seed(h, { service: "worker", image: WORKER, tag: `r-${state}`, state }),
    );
    const refused = (["queued", "succeeded", "superseded", "skipped"] as const).map((state) =>
      seed(h, { service: "worker", image: WORKER, tag: `n-${state}`, state }),
    );
    const preparing = h.app.core.store.transition({
      id: seed(h, { tag: "p" }).id,
      from: "queued",
      to: "preparing",
      detail: "seeded",
    });

    for (const d of [...refused, preparing])
      expectError(
        await post(h, `/api/deployments/${d.id}/retry`),
        409,
        "ERR_STORE_CONFLICT",
        new RegExp(`this one is ${d.state}`),
      );
    const retried = [];
    for (const d of allowed) retried.push(await post(h, `/api/deployments/${d.id}/retry`));
    const gone = h.app.core.store.create({
      target: { environment: "gone", stack: "shop", service: "worker" },
      image: WORKER,
      tag: "g1",
      source: "manual",
      settings: preparing.settings,
    });
    h.app.core.store.transition({ id: gone.id, from: "queued", to: "failed", detail: "seeded" });
    const retryGone = await post(h, `/api/deployments/${gone.id}/retry`);

    expect(retried.map((res) => [res.status, (res.body as { parentId: string }).parentId])).toEqual(
      allowed.map((d) => [202, d.id]),
    );
    expectError(retryGone, 422, "ERR_PAYLOAD_INVALID", /^environment "gone" is not configured$/);
  });

  it("rolls a target back to the previous successful image and the service ends on it", async () => {
    const h = build();
    const first = await manualDeploy(h, "1.1.0");
    await settle(h, first);
    const second = await manualDeploy(h, "1.2.0");
    await settle(h, second);

    const rollback = await post(h, "/api/targets/demo/shop/frontend/rollback");
    const rollbackId = (rollback.body as { id: string }).id;
    const done = await settle(h, rollbackId);
    h.app.core.targets.start();
    await h.app.core.targets.refresh("demo/shop/frontend");
    const targets = await get(h, "/api/targets");
    const byState = await get(h, "/api/deployments?target=demo/shop/frontend&state=succeeded");

    expect(rollback.status).toBe(202);
    expect(rollback.body).toMatchObject({
      state: "queued",
      source: "rollback",
      image: FRONTEND,
      tag: "1.1.0",
      parentId: second,
      target: { environment: "demo", stack: "shop", service: "frontend" },
    });
    expect(done).toMatchObject({ state: "succeeded", previousImage: `${FRONTEND}:1.2.0` });
    expect(serviceImage(h, "frontend")).toBe(`docker:${FRONTEND}:1.1.0`);
    expect(targets.body).toEqual({
      items: [
        {
          target: "demo/shop/frontend",
          environment: "demo",
          stack: "shop",
          service: "frontend",
          rancher: expect.objectContaining({
            status: "known",
            image: `${FRONTEND}:1.1.0`,
            serviceState: "active",
            healthy: 2,
            total: 2,
          }),
          currentImage: `${FRONTEND}:1.1.0`,
          lastDeployedImage: `${FRONTEND}:1.1.0`,
          lastDeployment: {
            id: rollbackId,
            state: "succeeded",
            image: `${FRONTEND}:1.1.0`,
            updatedAt: expect.any(String),
          },
        },
      ],
    });
    expect(ids(byState)).toEqual([rollbackId, second, first]);
  }, 40_000);

  it("answers 409 without history, 422 for an unconfigured environment, and uses the recorded previous image", async () => {
    const h = build();
    const noHistory = await post(h, "/api/targets/demo/shop/worker/rollback");
    const badNames = await Promise.all(
      ["__proto__/shop/frontend", "demo/..%2F..%2Fetc/frontend", "demo/shop/%20", "demo/shop/a%00"].map(
        (path) => post(h, `/api/targets/${path}/rollback`),
      ),
    );
    const unconfigured = await Promise.all(
      ["prod", "constructor", "hasOwnProperty"].map((env) =>
        post(h, `/api/targets/${env}/shop/frontend/rollback`),
      ),
    );
    seed(h, {
      service: "worker",
      image: WORKER,
      tag: "w9",
      state: "rolled-back",
      previousImage: `${WORKER}:w8`,
    });
    const onlyFailures = await post(h, "/api/targets/demo/shop/worker/rollback");
    const only = seed(h, {
      service: "worker",
      image: NGINX,
      tag: "1.26",
      state: "succeeded",
      previousImage: "nginx:1.25",
    });
    const fromPrevious = await post(h, "/api/targets/demo/shop/worker/rollback");
    const sameImage = seed(h, {
      service: "other",
      image: NGINX,
      tag: "1.26",
      state: "succeeded",
      previousImage: "nginx:1.26",
    });
    const noEarlier = await post(h, "/api/targets/demo/shop/other/rollback");
    seed(h, {
      service: "ported",
      image: WORKER,
      tag: "2",
      state: "succeeded",
      previousImage: "registry.example.com:5000/shop/worker",
    });
    const portNoTag = await post(h, "/api/targets/demo/shop/ported/rollback");
    seed(h, {
      service: "pinned",
      image: WORKER,
      tag: "w8",
      state: "succeeded",
      previousImage: `${WORKER}:w7@sha256:${"c".repeat(64)}`,
    });
    const withDigest = await post(h, "/api/targets/demo/shop/pinned/rollback");

    expectError(noHistory, 409, "ERR_STORE_CONFLICT", /no successful deployment of demo\/shop\/worker/);
    for (const res of unconfigured) expectError(res, 422, "ERR_PAYLOAD_INVALID", /is not configured/);
    for (const res of badNames) expectError(res, 422, "ERR_PAYLOAD_INVALID", /must be a name/);
    expectError(onlyFailures, 409, "ERR_STORE_CONFLICT");
    expect(fromPrevious.status).toBe(202);
    expect(fromPrevious.body).toMatchObject({
      source: "rollback",
      image: NGINX,
      tag: "1.25",
      parentId: only.id,
    });
    expectError(noEarlier, 409, "ERR_STORE_CONFLICT", /no image before/);
    expect(sameImage.state).toBe("succeeded");
    expect(portNoTag.status).toBe(202);
    expect(portNoTag.body).toMatchObject({ image: "registry.example.com:5000/shop/worker", tag: "latest" });
    expect(withDigest.status).toBe(202);
    expect(withDigest.body).toMatchObject({ image: WORKER, tag: "w7" });
    expect(withDigest.body).not.toHaveProperty("digest");
  });
});

describe("admin API: targets and config", () => {
  it("lists every rule target and every target with deployments; without a Rancher read, no current image", async () => {
    const h = build();
    const empty = await get(h, "/api/targets");
    seed(h, { tag: "1.1.0", state: "succeeded", previousImage: `${FRONTEND}:1.0.0` });
    const sidekick = seed(h, { sidekick: "nginx", image: NGINX, tag: "1.26", state: "succeeded" });
    const worker = seed(h, { service: "worker", image: WORKER, tag: "w1", state: "failed" });
    const targets = await get(h, "/api/targets");

    const names = (service: string) => ({ environment: "demo", stack: "shop", service });
    expect(empty.body).toEqual({
      items: [{ target: "demo/shop/frontend", ...names("frontend"), rancher: { status: "unknown" } }],
    });
    // The monitor has not read Rancher (it starts with `serve`): the store's image is only
    // `lastDeployedImage`, never `currentImage`.
    expect(targets.body).toEqual({
      items: [
        {
          target: "demo/shop/frontend",
          ...names("frontend"),
          rancher: { status: "unknown" },
          lastDeployedImage: `${FRONTEND}:1.1.0`,
          lastDeployment: {
            id: sidekick.id,
            state: "succeeded",
            image: `${NGINX}:1.26`,
            updatedAt: sidekick.updatedAt,
          },
        },
        {
          target: "demo/shop/worker",
          ...names("worker"),
          rancher: { status: "unknown" },
          lastDeployment: {
            id: worker.id,
            state: "failed",
            image: `${WORKER}:w1`,
            updatedAt: worker.updatedAt,
          },
        },
      ],
    });
  });

  it("shows the config status and follows reloads, accepted and rejected", async () => {
    const h = build();
    const initial = await get(h, "/api/config");
    const rejected = h.reload("environments: {}\nrules: [ { image: 1 } ]\n");
    const afterReject = await get(h, "/api/config");
    const swapped = h.reload(
      `${demoConfig()}\nsources:\n  registry: { bearer: "registry-bearer-0123456789" }\n`,
    );
    const afterSwap = await get(h, "/api/config");

    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      file: "drover.yml",
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      loadedAt: expect.any(String),
      reloads: 0,
      rejectedReloads: 0,
      environments: ["demo"],
      sources: [],
      rules: 1,
    });
    expect(rejected.outcome).toBe("rejected");
    expect(afterReject.body).toMatchObject({
      hash: (initial.body as { hash: string }).hash,
      reloads: 0,
      rejectedReloads: 1,
      lastRejected: { at: expect.any(String), trigger: "manual", problems: expect.any(Array) },
    });
    expect(swapped.outcome).toBe("swapped");
    expect(afterSwap.body).toMatchObject({ reloads: 1, rejectedReloads: 1, sources: ["registry"], rules: 1 });
    expect((afterSwap.body as { hash: string }).hash).not.toBe((initial.body as { hash: string }).hash);
    expect(JSON.stringify(afterSwap.body)).not.toContain("registry-bearer-0123456789");
  });
});

describe("admin API: hostile input", () => {
  it("answers prototype keys, deep nesting, huge strings and odd types with 4xx and never pollutes or crashes", async () => {
    const h = build();
    const good = { image: FRONTEND, tag: "1.1.0", target: "demo/shop/frontend" };
    const raw = (text: string) =>
      request(h.app.http)
        .post("/api/deployments")
        .set(auth)
        .set("content-type", "application/json")
        .send(text);
    const deep = (depth: number, leaf: string) => "[".repeat(depth) + leaf + "]".repeat(depth);
    const bodies = [
      `{"__proto__": {"polluted": true}, "image": "${FRONTEND}", "tag": "1", "target": "demo/shop/frontend"}`,
      `{"constructor": {"prototype": {"polluted": true}}, "image": "${FRONTEND}", "tag": "1", "target": "demo/shop/frontend"}`,
      `{"image": "${FRONTEND}", "tag": "1", "target": "demo/shop/frontend", "__proto__": null}`,
      JSON.stringify({ ...good, image: deep(1, "1") }),
      `{"image": ${deep(50_000, "1")}, "tag": "1", "target": "x/y/z"}`,
      deep(100_000, "{}"),
      `{"a":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`,
      JSON.stringify({ ...good, image: "a".repeat(500_000) }),
      JSON.stringify({ ...good, target: `demo/${"s".repeat(500_000)}/frontend` }),
      JSON.stringify({ ...good, tag: "t".repeat(500_000) }),
      JSON.stringify({ ...good, ["k".repeat(100_000)]: 1 }),
      JSON.stringify({ ...good, digest: `sha256:${"a".repeat(500_000)}` }),
      JSON.stringify({ ...good, target: "demo/../../etc/passwd" }),
      JSON.stringify({ ...good, target: "demo/shop/frontend\u0000" }),
      JSON.stringify({ ...good, image: "registry.example.com/shop/frontend; DROP TABLE deployments" }),
      JSON.stringify({ ...good, tag: "1' OR '1'='1" }),
      JSON.stringify({ ...good, image: { $ne: null } }),
      JSON.stringify({ ...good, tag: ["1", "2"] }),
      "1e999999",
      "true",
      "[]",
    ];

    const answers: [index: number, status: number, length: number][] = [];
    for (const [index, text] of bodies.entries()) {
      const res = await raw(text);
      answers.push([index, res.status, JSON.stringify(res.body).length]);
      expect(res.body).toEqual({
        error: { code: expect.stringMatching(/^ERR_/), message: expect.any(String) },
      });
    }

    // Every body here is valid JSON (1e999999 parses to Infinity), so each reaches validation: 422.
    expect(answers.map(([, status]) => status)).toEqual(Array<number>(21).fill(422));
    for (const [index, status, length] of answers) {
      expect({ index, clientError: status >= 400 && status < 500 }).toEqual({ index, clientError: true });
      expect({ index, short: length < 600 }).toEqual({ index, short: true });
    }
    expect({} as Record<string, unknown>).not.toHaveProperty("polluted");
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(h.app.core.store.list({ limit: 200 }).items).toEqual([]);
    expect((await get(h, "/api/config")).status).toBe(200);
  });

  it("answers hostile path parameters on retry, cancel and rollback with 4xx", async () => {
    const h = build();
    const paths = [
      "/api/targets/demo/..%2F..%2Fetc/passwd/rollback",
      `/api/targets/demo/${encodeURIComponent("' OR 1=1 --")}/frontend/rollback`,
      "/api/targets/demo/shop/%00/rollback",
      `/api/targets/${"e".repeat(3_000)}/shop/frontend/rollback`,
      `/api/targets/demo/${"s".repeat(3_000)}/frontend/rollback`,
      "/api/targets/%E0%A4%A/shop/frontend/rollback",
      "/api/deployments/%E0%A4%A/retry",
    ];

    const statuses = [];
    for (const path of paths) statuses.push((await post(h, path)).status);

    expect(statuses).toEqual([422, 422, 422, 422, 422, 400, 400]);
  });
});

describe("admin API: secrets", () => {
  const SECRETS = {
    DROVER_TEST_RANCHER_ACCESS: "rancher-access-key-AKIA7731",
    DROVER_TEST_RANCHER_SECRET: "rancher-secret-key-Zq81pXw",
    DROVER_TEST_BROKEN_SECRET: "wrong-rancher-secret-Yh22kk",
    DROVER_TEST_DOCKERHUB: "dockerhub-url-token-51c9e2aa",
    DROVER_TEST_REGISTRY: "registry-bearer-token-0a7f3",
    DROVER_TEST_CI: "ci-jwt-hmac-secret-that-is-long-enough-1234",
    DROVER_TEST_SLACK: "slack-path-secret-T0B0XyZ",
    DROVER_TEST_HOOK_KEY: "notification-hmac-key-88aa",
    DROVER_TEST_PROBE_PASSWORD: "probe-password-Kk19",
    DROVER_TEST_PROBE_TOKEN: "probe-query-token-Pq55",
  };
  const CALLBACK_SECRET = "4398154ac0dd05b804b2f37dbac61a25";

  it("never shows the admin token, Rancher keys, source secrets, notification secrets or callback URLs", async () => {
    const sim = await createRancherSimulator({
      timeScale: 0.02,
      apiKey: {
        accessKey: SECRETS.DROVER_TEST_RANCHER_ACCESS,
        secretKey: SECRETS.DROVER_TEST_RANCHER_SECRET,
      },
    });
    cleanups.push(() => sim.close());
    const config = `
storage: { path: ":memory:" }
environments:
  prod:
    url: ${sim.url}
    project: ${sim.projectId}
    accessKey: \${DROVER_TEST_RANCHER_ACCESS}
    secretKey: \${DROVER_TEST_RANCHER_SECRET}
    requestTimeout: 2s
  broken:
    url: ${sim.url}
    project: ${sim.projectId}
    accessKey: \${DROVER_TEST_RANCHER_ACCESS}
    secretKey: \${DROVER_TEST_BROKEN_SECRET}
    requestTimeout: 2s
sources:
  dockerhub: { token: "\${DROVER_TEST_DOCKERHUB}" }
  registry: { bearer: "\${DROVER_TEST_REGISTRY}" }
  ci: { jwtSecret: "\${DROVER_TEST_CI}" }
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 5s
  verify:
    soak: 200ms
    timeout: 3s
    http: { url: "http://probe:\${DROVER_TEST_PROBE_PASSWORD}@127.0.0.1:9/health?token=\${DROVER_TEST_PROBE_TOKEN}" }
notifications:
  attempts: 1
  slack: [{ url: "https://hooks.slack.com/services/T000/B000/\${DROVER_TEST_SLACK}" }]
  webhooks: [{ url: "https://hooks.example.com/drover", secret: "\${DROVER_TEST_HOOK_KEY}" }]
admin: { readOpen: true }
rules:
  - image: acme/api
    tags: { glob: "*" }
    targets: [{ environment: prod, stack: shop, service: frontend }]
`;
    const calls: string[] = [];
    const fakeFetch: typeof fetch = (input) => {
      calls.push(input instanceof Request ? input.url : String(input));
      return Promise.resolve(new Response("ok", { status: 200 }));
    };
    const h = build({ config, env: SECRETS, fetch: fakeFetch });
    const pushText = JSON.stringify(
      (await import("../fixtures/payloads/dockerhub/push.json", { with: { type: "json" } })).default,
    );

    const hook = await request(h.app.http)
      .post(`/hooks/dockerhub/${SECRETS.DROVER_TEST_DOCKERHUB}`)
      .set("content-type", "application/json")
      .send(pushText);
    const hookId = (hook.body as { deployments: { id: string }[] }).deployments[0]?.id ?? "";
    const manual = await post(h, "/api/deployments", {
      image: "acme/api",
      tag: "1.5.0",
      target: "broken/shop/frontend",
    });
    const manualId = (manual.body as { id: string }).id;
    const done = await h.app.core.engine.waitForTerminal([hookId, manualId], 30_000);
    const rollback = await post(h, "/api/targets/prod/shop/frontend/rollback");
    const retry = await post(h, `/api/deployments/${manualId}/retry`);

    const responses: Response[] = [manual, rollback, retry];
    for (const headers of [auth, {}]) {
      responses.push(
        await get(h, "/api/config", headers),
        await get(h, "/api/targets", headers),
        await get(h, "/api/deployments?limit=200", headers),
        await get(h, `/api/deployments/${hookId}`, headers),
        await get(h, `/api/deployments/${manualId}`, headers),
      );
    }
    const text = responses.map((res) => JSON.stringify(res.body)).join("\n");

    expect(hook.status).toBe(202);
    expect(done.map((d) => d.state)).toEqual(["succeeded", "failed"]);
    expect(h.app.core.store.get(hookId)?.callbackUrl).toContain(CALLBACK_SECRET);
    expect(calls.some((url) => url.includes(SECRETS.DROVER_TEST_PROBE_TOKEN))).toBe(true);
    expect(responses.map((res) => res.status)).toEqual([202, 202, 202, ...Array<number>(10).fill(200)]);
    expect(text).toContain("http://127.0.0.1:9/health?token=");
    expect(text).toContain("ERR_");
    for (const secret of [
      TOKEN,
      CALLBACK_SECRET,
      "registry.hub.docker.com/u/acme",
      ...Object.values(SECRETS),
    ])
      expect({ secret, leaked: text.includes(secret) }).toEqual({ secret, leaked: false });
  }, 60_000);
});
