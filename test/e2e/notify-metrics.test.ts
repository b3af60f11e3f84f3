/**
 * The app wires notifications and metrics to the engine: a channel that hangs or fails never holds
 * up a deployment, a good channel gets a signed event, and `/metrics` moves as deployments happen.
 * Real local HTTP receivers; the in-process simulator; webhooks posted over HTTP.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from "../../src/notify/index.js";
import { captureLogs } from "../helpers/capture-logs.js";
import { parsePrometheusText, valueOf } from "../metrics/parse-prometheus-text.js";
import { createTestApp } from "../helpers/test-app.js";

const BEARER = "registry-hook-token-0123456789";
const WEBHOOK_SECRET = "notify-webhook-secret-0123456789abcdef";
const SLACK_PATH = "/services/T000SECRET/B000SECRET/slackTokenSecret123456";

interface Received {
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  readonly at: number;
}

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Requests still waiting for an answer (the hanging receiver never answers). */
  readonly open: ServerResponse[];
  close(): Promise<void>;
}

const servers: Server[] = [];
let app: App | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function receiver(answer: "ok" | "500" | "hang"): Promise<Receiver> {
  const received: Received[] = [];
  const open: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      if (answer === "hang") open.push(res);
      else if (answer === "500") res.writeHead(500).end("boom");
      else res.writeHead(200).end("ok");
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    open,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

function config(channels: { good: string; failing: string; hanging: string }): string {
  return `
storage: { path: ":memory:" }
environments:
  demo: { simulator: default, timeScale: 0.02 }
sources:
  registry: { bearer: "${BEARER}" }
defaults:
  strategy: { batchSize: 1, intervalMillis: 100 }
  upgradeTimeout: 10s
  verify: { soak: 300ms, timeout: 5s }
notifications:
  on: [start, terminal]
  timeout: 30s
  attempts: 3
  slack:
    - { url: "${channels.failing}${SLACK_PATH}", states: [preparing, succeeded, rolled-back] }
  webhooks:
    - { url: "${channels.hanging}/hang", secret: "${WEBHOOK_SECRET}" }
    - { url: "${channels.good}/drover-events", secret: "${WEBHOOK_SECRET}" }
rules:
  - image: registry.example.com/team/api
    tags: { glob: "*" }
    targets:
      - { environment: demo, stack: shop, service: frontend }
`;
}

function buildApp(text: string, logs: ReturnType<typeof captureLogs>): App {
  // As `drover serve` does: the config's secrets (channel URLs included) feed the log scrubber.
  return createTestApp(text, { logs, scrubSecrets: true }).app;
}

/** A Distribution notification (v1 envelope) for one manifest push of `tag`. */
function push(target: App, tag: string) {
  const body = {
    events: [
      {
        id: `event-${tag}`,
        timestamp: "2026-11-23T10:00:00Z",
        action: "push",
        target: {
          mediaType: "application/vnd.docker.distribution.manifest.v2+json",
          digest: `sha256:${"a".repeat(63)}${tag.length % 10}`,
          size: 525,
          repository: "team/api",
          tag,
        },
        request: { id: `req-${tag}`, host: "registry.example.com", method: "PUT" },
        actor: { name: "ci" },
      },
    ],
  };
  return request(target.http)
    .post("/hooks/registry")
    .set("content-type", "application/vnd.docker.distribution.events.v1+json")
    .set("authorization", `Bearer ${BEARER}`)
    .send(JSON.stringify(body));
}

async function scrape(target: App) {
  const res = await request(target.http).get("/metrics");
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.text);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("notifications and metrics wired into the app", () => {
  it("a hanging and a failing channel do not delay the deployment; the good one gets a signed event", async () => {
    const [good, failing, hanging] = await Promise.all([receiver("ok"), receiver("500"), receiver("hang")]);
    const logs = captureLogs("debug");
    app = buildApp(config({ good: good.url, failing: failing.url, hanging: hanging.url }), logs);

    const accepted = await push(app, "1.2.3");
    expect(accepted.status).toBe(202);
    const id = (accepted.body as { deployments: { id: string }[] }).deployments[0]?.id ?? "";
    const [done] = await app.core.engine.waitForTerminal([id], 20_000);

    expect(done?.state).toBe("succeeded");
    // The start notification reached the hanging channel and is still unanswered: the upgrade,
    // verification and finish all went on without it.
    expect(hanging.received.map((r) => JSON.parse(r.body) as { event: string })[0]?.event).toBe(
      "deployment.started",
    );
    expect(hanging.open.length).toBeGreaterThanOrEqual(1);

    await until(() => good.received.length >= 2, 5_000, "the good channel's start and finish events");
    const finished = good.received.find((r) => r.body.includes('"deployment.finished"'));
    expect(finished).toBeDefined();
    const payload = JSON.parse(finished?.body ?? "{}") as {
      event: string;
      deployment: { id: string; state: string; targetName: string; image: string };
    };
    expect(payload.deployment).toMatchObject({
      id,
      state: "succeeded",
      targetName: "demo/shop/frontend",
      image: "registry.example.com/team/api:1.2.3",
    });
    expect(
      verifyWebhookSignature({
        secret: WEBHOOK_SECRET,
        rawBody: Buffer.from(finished?.body ?? ""),
        signature: String(finished?.headers[SIGNATURE_HEADER]),
        timestamp: String(finished?.headers[TIMESTAMP_HEADER]),
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
    ).toBe(true);
    // Slack answered 500 to every attempt: retried (start and finish, 3 attempts each at most).
    await until(() => failing.received.length >= 2, 10_000, "slack attempts");
    expect(failing.received.every((r) => r.url === SLACK_PATH)).toBe(true);

    // None of the channels' secrets reached a log line (the Slack path is its token).
    const text = logs.text();
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toContain("slackTokenSecret123456");
    expect(text).not.toContain("T000SECRET/B000SECRET");
  }, 40_000);

  it("/metrics parses as Prometheus text and moves as webhooks and deployments happen", async () => {
    const [good, failing, hanging] = await Promise.all([receiver("ok"), receiver("ok"), receiver("ok")]);
    const logs = captureLogs("info");
    app = buildApp(config({ good: good.url, failing: failing.url, hanging: hanging.url }), logs);

    const before = await scrape(app);
    expect(valueOf(before, "drover_deployments_total", { state: "succeeded" })).toBe(0);
    expect(valueOf(before, "drover_webhooks_total", { source: "registry", outcome: "accepted" })).toBe(
      undefined,
    );
    expect(valueOf(before, "drover_queue_depth")).toBe(0);
    expect(valueOf(before, "process_cpu_user_seconds_total")).toBeGreaterThanOrEqual(0);

    const first = await push(app, "2.0.0");
    expect(first.status).toBe(202);
    const redelivered = await push(app, "2.0.0");
    expect((redelivered.body as { duplicate: boolean }).duplicate).toBe(true);
    const unauthorized = await request(app.http)
      .post("/hooks/registry")
      .set("content-type", "application/vnd.docker.distribution.events.v1+json")
      .set("authorization", "Bearer wrong-token-0123456789")
      .send("{}");
    expect(unauthorized.status).toBe(401);
    const unknown = await request(app.http)
      .post("/hooks/nosuchsource")
      .set("content-type", "application/json")
      .send("{}");
    expect(unknown.status).toBe(404);

    const bad = await push(app, "bad-2.0.1");
    expect(bad.status).toBe(202);
    const ids = [first, bad].map((res) => (res.body as { deployments: { id: string }[] }).deployments[0]?.id);
    const done = await app.core.engine.waitForTerminal(ids as string[], 30_000);
    expect(done.map((d) => d.state).sort()).toEqual(["rolled-back", "succeeded"].sort());
    await until(() => good.received.length >= 2, 5_000, "notifications");

    const after = await scrape(app);
    expect(valueOf(after, "drover_webhooks_total", { source: "registry", outcome: "accepted" })).toBe(2);
    expect(valueOf(after, "drover_webhooks_total", { source: "registry", outcome: "duplicate" })).toBe(1);
    expect(valueOf(after, "drover_webhooks_total", { source: "registry", outcome: "unauthorized" })).toBe(1);
    expect(valueOf(after, "drover_webhooks_total", { source: "other", outcome: "unknown_source" })).toBe(1);
    expect(valueOf(after, "drover_deployments_total", { state: "succeeded" })).toBe(1);
    expect(valueOf(after, "drover_deployments_total", { state: "rolled-back" })).toBe(1);
    expect(valueOf(after, "drover_deployment_duration_seconds_count", { phase: "total" })).toBe(2);
    expect(valueOf(after, "drover_deployment_duration_seconds_count", { phase: "rolling-back" })).toBe(1);
    expect(
      valueOf(after, "drover_rancher_api_calls_total", { action: "upgrade", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(2);
    expect(valueOf(after, "drover_rancher_api_calls_total", { action: "rollback", outcome: "ok" })).toBe(1);
    expect(
      valueOf(after, "drover_notifications_total", { channel: "webhook", outcome: "sent" }),
    ).toBeGreaterThanOrEqual(2);
    expect(valueOf(after, "drover_queue_depth")).toBe(0);
    expect(valueOf(after, "drover_deployments_in_flight")).toBe(0);
  }, 60_000);
});
