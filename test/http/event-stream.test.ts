import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { ConfigHolder } from "../../src/config/index.js";
import { resolveSettings } from "../../src/deploy/index.js";
import type { Deployment, DeployTarget } from "../../src/domain/index.js";
import { closeServerGracefully, listen } from "../../src/http/index.js";
import { MAX_REPLAY, type TargetChangeSource } from "../../src/operations/index.js";
import { createRancherSimulator } from "../../src/simulator/index.js";
import { parsePrometheusText, valueOf } from "../metrics/parse-prometheus-text.js";
import { ManualTimers, nextTurn } from "../helpers/manual-timers.js";
import { dataOf, openSse, type SseClient, type SseMessage } from "../helpers/sse-client.js";
import { createTestApp, type TestAppOptions } from "../helpers/test-app.js";

const TOKEN = "admin-token-for-event-tests-0001";
const auth = { authorization: `Bearer ${TOKEN}` };
const FRONTEND = "registry.example.com/shop/frontend";

function config(extra = ""): string {
  return `
storage: { path: ":memory:" }
environments:
  demo: { simulator: default, timeScale: 0.02 }
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 3s
  verify: { soak: 200ms, timeout: 1500ms }
${extra}
`;
}

interface Harness {
  readonly app: App;
  readonly holder: ConfigHolder;
  readonly url: string;
  readonly server: Server;
  /** Replaces the config text and reloads it, as `serve` does on a file change. */
  reload(text: string): void;
}

let current: Harness | undefined;
const clients: SseClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  if (current !== undefined) {
    current.server.closeAllConnections();
    current.server.close();
    await current.app.close();
  }
  current = undefined;
});

async function start(options: TestAppOptions & { config?: string } = {}): Promise<Harness> {
  let text = options.config ?? config();
  const { app, configHolder } = createTestApp(() => text, {
    adminToken: TOKEN,
    startSimulator: async (_seed, timeScale) => {
      const sim = await createRancherSimulator({ timeScale });
      return { ...sim, close: () => sim.close() };
    },
    ...options,
  });
  const server = createServer(app.http);
  const port = await listen(server, 0, "127.0.0.1");
  current = {
    app,
    holder: configHolder,
    server,
    url: `http://127.0.0.1:${port}`,
    reload: (next) => {
      text = next;
      configHolder.reload("manual");
    },
  };
  return current;
}

async function stream(h: Harness, query = "", headers: Record<string, string> = auth): Promise<SseClient> {
  const client = await openSse(`${h.url}/api/events${query}`, headers);
  clients.push(client);
  return client;
}

/** Stores a deployment directly (no engine): a `created` event. */
function seed(h: Harness, target: DeployTarget, tag = "1.0.0"): Deployment {
  return h.app.core.store.create({
    target,
    image: FRONTEND,
    tag,
    source: "manual",
    settings: resolveSettings(h.holder.current.config, target),
  });
}

const WORKER: DeployTarget = { environment: "demo", stack: "shop", service: "worker" };
const WEB: DeployTarget = { environment: "demo", stack: "shop", service: "frontend" };

interface DeploymentData {
  readonly type: "deployment";
  readonly change: "created" | "transition" | "log";
  readonly event: {
    feedId: number;
    deploymentId: string;
    seq: number;
    state: string;
    kind: string;
    detail: string;
  };
  readonly deployment: { id: string; state: string; callbackUrl?: string };
}

const deploymentEvents = (client: SseClient): SseMessage[] =>
  client.messages.filter((message) => message.event === "deployment");
const details = (client: SseClient): string[] =>
  deploymentEvents(client).map((message) => dataOf<DeploymentData>(message).event.detail);
const isTerminalFor =
  (id: string) =>
  (message: SseMessage): boolean => {
    if (message.event !== "deployment") return false;
    const data = dataOf<DeploymentData>(message);
    return (
      data.event.deploymentId === id && ["succeeded", "rolled-back", "failed"].includes(data.event.state)
    );
  };

async function scrape(h: Harness) {
  const res = await request(h.app.http).get("/metrics");
  return parsePrometheusText(res.text);
}

describe("GET /api/events", () => {
  it("streams a deployment's created, transition and log events live, in order, with feed ids", async () => {
    const h = await start();
    const client = await stream(h);

    const deployment = h.app.core.operations.deploy({
      target: WEB,
      image: FRONTEND,
      tag: "1.1.0",
      source: "manual",
    });
    const last = await client.waitFor(isTerminalFor(deployment.id), "the terminal event");

    expect(client.status).toBe(200);
    expect(client.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(client.headers["cache-control"]).toBe("no-store");
    expect(client.headers["x-accel-buffering"]).toBe("no");
    expect(client.text().startsWith("retry: 2000\n\n")).toBe(true);
    const received = deploymentEvents(client).map((message) => ({
      id: message.id,
      ...dataOf<DeploymentData>(message),
    }));
    const stored = h.app.core.store.eventsAfter(0, 1000, { deploymentId: deployment.id });
    expect(received.map((event) => event.event.feedId)).toEqual(stored.map((event) => event.feedId));
    expect(received.map((event) => event.id)).toEqual(stored.map((event) => String(event.feedId)));
    expect(received.map((event) => event.change)).toEqual(
      stored.map((event) =>
        event.seq === 1 ? "created" : event.kind === "transition" ? "transition" : "log",
      ),
    );
    expect(received[0]).toMatchObject({ change: "created", event: { seq: 1, state: "queued" } });
    expect(received.map((event) => event.change)).toContain("log");
    expect(
      received.filter((event) => event.change === "transition").map((event) => event.event.state),
    ).toEqual(["preparing", "upgrading", "verifying", "finishing", "succeeded"]);
    expect(dataOf<DeploymentData>(last).deployment).toMatchObject({ id: deployment.id, state: "succeeded" });
    expect(dataOf<DeploymentData>(last).deployment).not.toHaveProperty("callbackUrl");
  }, 30_000);

  it("resumes after Last-Event-ID (or ?since) with exactly the missed events, then live", async () => {
    const h = await start();
    const first = seed(h, WORKER);
    h.app.core.store.annotate(first.id, "note", "one");
    const seen = await stream(h, "?since=0");
    await seen.waitFor((message) => message.data?.includes('"detail":"one"') === true, "the replayed note");
    const lastId = deploymentEvents(seen).at(-1)?.id ?? "";
    seen.close();
    await seen.ended;

    h.app.core.store.annotate(first.id, "note", "two");
    const second = seed(h, WEB, "2.0.0");
    const resumed = await stream(h, "", { ...auth, "last-event-id": lastId });
    h.app.core.store.annotate(second.id, "note", "live");
    await resumed.waitFor((message) => message.data?.includes('"detail":"live"') === true, "the live note");

    expect(details(seen)).toEqual(["queued", "one"]);
    expect(details(resumed)).toEqual(["two", "queued", "live"]);
    const ids = deploymentEvents(resumed).map((message) => Number(message.id));
    expect(ids).toEqual(h.app.core.store.eventsAfter(Number(lastId), 100).map((event) => event.feedId));
    expect(dataOf<DeploymentData>(deploymentEvents(resumed)[1]!).change).toBe("created");
  });

  it("sends reset instead of a replay when more than the replay limit was missed", async () => {
    const h = await start();
    const deployment = seed(h, WORKER);
    for (let i = 0; i < MAX_REPLAY; i += 1) h.app.core.store.annotate(deployment.id, "note", `n${i}`);

    const tooFar = await stream(h, "?since=0");
    const justInLimit = await stream(h, "?since=1");
    await tooFar.waitFor((message) => message.event === "reset", "reset");
    await justInLimit.waitFor(
      (message) => message.data?.includes(`"detail":"n${MAX_REPLAY - 1}"`) === true,
      "the last note",
    );
    const replayed = deploymentEvents(justInLimit).length;
    h.app.core.store.annotate(deployment.id, "note", "after");
    await tooFar.waitFor((message) => message.data?.includes('"detail":"after"') === true, "the live note");

    expect(dataOf(tooFar.messages.find((message) => message.event === "reset")!)).toEqual({ type: "reset" });
    expect(details(tooFar)).toEqual(["after"]);
    expect(replayed).toBe(MAX_REPLAY);
  });

  it("filters by ?target (its deployments and its target changes) and ?deployment; config reloads go to unfiltered streams", async () => {
    const changes = new EventEmitter();
    const targetChanges: TargetChangeSource = {
      onChange: (listener) => {
        changes.on("change", listener);
        return () => changes.off("change", listener);
      },
    };
    const h = await start({ targetChanges });
    const all = await stream(h);
    const byTarget = await stream(h, "?target=Demo/Shop/Worker");
    const worker = seed(h, WORKER);
    const web = seed(h, WEB);
    const byDeployment = await stream(h, `?deployment=${web.id}&since=0`);

    h.app.core.store.annotate(worker.id, "note", "worker note");
    h.app.core.store.annotate(web.id, "note", "web note");
    changes.emit("change", "demo/shop/worker", {
      status: "known",
      image: `${FRONTEND}:1.0.0`,
      healthy: 1,
      total: 1,
    });
    changes.emit("change", "demo/shop/frontend", { status: "unreachable", reason: "down", observedAt: "x" });
    h.reload(config("admin: { readOpen: true }"));
    h.app.core.store.annotate(web.id, "note", "end");
    h.app.core.store.annotate(worker.id, "note", "worker end");
    const note = (text: string) => (message: SseMessage) =>
      message.data?.includes(`"detail":"${text}"`) === true;
    await all.waitFor(note("worker end"), "the worker end note");
    await byTarget.waitFor(note("worker end"), "the worker end note");
    await byDeployment.waitFor(note("end"), "the end note");

    expect(details(all)).toEqual(["queued", "queued", "worker note", "web note", "end", "worker end"]);
    expect(details(byTarget)).toEqual(["queued", "worker note", "worker end"]);
    expect(details(byDeployment)).toEqual(["queued", "web note", "end"]);
    const targetEvents = (client: SseClient) =>
      client.messages.filter((message) => message.event === "target").map((message) => dataOf(message));
    expect(targetEvents(all)).toEqual([
      {
        type: "target",
        target: expect.objectContaining({
          target: "demo/shop/worker",
          environment: "demo",
          stack: "shop",
          service: "worker",
          currentImage: `${FRONTEND}:1.0.0`,
          lastDeployment: expect.objectContaining({ id: worker.id, state: "queued" }),
        }),
      },
      {
        type: "target",
        target: expect.objectContaining({
          target: "demo/shop/frontend",
          rancher: expect.objectContaining({ status: "unreachable" }),
        }),
      },
    ]);
    expect(targetEvents(byTarget).map((event) => (event["target"] as { target: string }).target)).toEqual([
      "demo/shop/worker",
    ]);
    expect(targetEvents(byDeployment)).toEqual([]);
    const status = h.holder.status();
    expect(
      all.messages.filter((message) => message.event === "config").map((message) => dataOf(message)),
    ).toEqual([{ type: "config", reloads: 1, hash: status.hash, at: status.loadedAt }]);
    expect(byTarget.messages.some((message) => message.event === "config")).toBe(false);
    expect(
      all.messages.filter((message) => message.event !== "deployment" && message.id !== undefined),
    ).toEqual([]);
  });

  it("answers 400 for a bad filter, before streaming", async () => {
    const h = await start();
    const bad = [
      "?target=demo/shop",
      "?target=demo/shop/frontend/nginx",
      "?target=de mo/shop/x",
      "?deployment=nope",
      "?since=-1",
      "?since=1.5",
      "?state=queued",
      "?target=a/b/c&target=a/b/d",
    ];
    for (const query of bad) {
      const res = await request(h.app.http).get(`/api/events${query}`).set(auth);
      expect({ query, status: res.status, code: res.body?.error?.code }).toEqual({
        query,
        status: 400,
        code: "ERR_EVENTS_FILTER_INVALID",
      });
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
    }
    const header = await request(h.app.http)
      .get("/api/events")
      .set({ ...auth, "last-event-id": "abc" });
    expect(header.status).toBe(400);
    expect(header.body.error.message).toMatch(/Last-Event-ID/);
  });

  it("answers 401 without a token when reads are closed, and streams without one when admin.readOpen", async () => {
    const closed = await start();
    const refused = await request(closed.app.http).get("/api/events");
    const wrong = await request(closed.app.http)
      .get("/api/events")
      .set({ authorization: "Bearer wrong-token-wrong" });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("ERR_AUTH");
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain("wrong-token");
    await closed.app.close();
    closed.server.close();
    current = undefined;

    const open = await start({ config: config("admin: { readOpen: true }") });
    const client = await stream(open, "", {});
    seed(open, WORKER);
    await client.waitFor((message) => message.event === "deployment", "a deployment event");
    expect(client.status).toBe(200);
  });

  it("sends a heartbeat comment every 15 s on the injected timers", async () => {
    const timers = new ManualTimers();
    const h = await start({ eventStreamTimers: timers });
    const client = await stream(h);
    const heartbeats = () => client.messages.filter((message) => message.comment === "heartbeat").length;

    await timers.advance(14_999);
    const before = heartbeats();
    await timers.advance(1);
    await client.waitFor((message) => message.comment === "heartbeat", "a heartbeat");
    await timers.advance(15_000);
    await client.waitFor(() => heartbeats() === 2, "a second heartbeat");

    expect(before).toBe(0);
    expect(client.text()).toContain("\n: heartbeat\n\n");
    expect(timers.pending()).toEqual([15_000]);
    client.close();
    await client.ended;
    await new Promise<void>((resolve) => setImmediate(resolve));
  });

  it("drops a client that never reads while deployments go on to completion, and counts it", async () => {
    const h = await start();
    const reader = await stream(h);
    // A raw connection that sends the request and never reads a byte of the answer.
    const stalled = connect(Number(new URL(h.url).port), "127.0.0.1");
    stalled.pause();
    stalled.write(`GET /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    const opened = async (count: number) => {
      while (valueOf(await scrape(h), "drover_event_streams") !== count)
        await new Promise((r) => setImmediate(r));
    };
    await opened(2);
    const noisy = seed(h, WORKER);

    const deployment = h.app.core.operations.deploy({
      target: WEB,
      image: FRONTEND,
      tag: "1.2.0",
      source: "manual",
    });
    const big = "x".repeat(64 * 1024);
    // Event by event, as a deployment writes them: a client that reads keeps up between two.
    for (let i = 0; i < 300; i += 1) {
      h.app.core.store.annotate(noisy.id, "note", `${i} ${big}`);
      await nextTurn();
      await nextTurn();
    }
    const [done] = await h.app.core.engine.waitForTerminal([deployment.id], 20_000);
    await reader.waitFor(isTerminalFor(deployment.id), "the terminal event");
    const metrics = await scrape(h);
    stalled.destroy();

    expect(done?.state).toBe("succeeded");
    expect(valueOf(metrics, "drover_event_stream_drops_total")).toBe(1);
    expect(valueOf(metrics, "drover_event_streams")).toBe(1);
    expect(details(reader).filter((detail) => detail.endsWith(big))).toHaveLength(300);
  }, 40_000);

  it("refuses a stream beyond the cap with 503 and Retry-After", async () => {
    const h = await start({ eventStreamLimits: { maxStreams: 2 } });
    await stream(h);
    await stream(h);

    const third = await request(h.app.http).get("/api/events").set(auth);

    expect(third.status).toBe(503);
    expect(third.body.error.code).toBe("ERR_EVENTS_UNAVAILABLE");
    expect(third.headers["retry-after"]).toBe("5");
  });

  it("ends every stream when the server drains, so graceful shutdown is not held up", async () => {
    const draining = new AbortController();
    const h = await start({ draining: draining.signal });
    const a = await stream(h);
    const b = await stream(h, "?target=demo/shop/worker");

    draining.abort();
    const inTime = await closeServerGracefully(h.server, 30_000);
    await Promise.all([a.ended, b.ended]);
    const after = await request(h.app.http).get("/api/events").set(auth);

    expect(inTime).toBe(true);
    expect(after.status).toBe(503);
    expect(after.body.error.code).toBe("ERR_EVENTS_UNAVAILABLE");
  });
});
