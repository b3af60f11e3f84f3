// Admin API and store at scale: the read endpoints of /api/* against a file-backed SQLite store
// (WAL) holding 1k, 10k and 100k terminal deployments over 500 targets, each measured against
// GET /healthz on the same server in the same run; plus RSS and heap after populating each size,
// against the empty store. Prints two markdown tables with ratios.
// Run: npm run bench:admin   (builds first; uses dist/; runs node with --expose-gc)
import { Agent, createServer, request } from "node:http";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../dist/app.js";
import { ConfigHolder, loadConfig } from "../dist/config/index.js";
import { resolveSettings } from "../dist/deploy/index.js";
import { createLogger } from "../dist/log/index.js";
import { createSeededRandom } from "../dist/simulator/index.js";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const TARGETS = Number(process.env.BENCH_TARGETS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Requests measured per row (after warm-up), unless MAX_MS runs out first. */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const MAX_MS = Number(process.env.BENCH_MAX_MS ?? 4000);
const WARMUP_REQUESTS = Number(process.env.BENCH_WARMUP ?? 100);
const WARMUP_MAX_MS = 1000;
const SAMPLE_IDS = 1000;

const random = createSeededRandom(42); // deterministic: every run stores the same mix

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

function get(port, agent, path, wantBody) {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", agent }, (res) => {
      const chunks = [];
      if (wantBody) res.on("data", (chunk) => chunks.push(chunk));
      else res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode, body: wantBody ? Buffer.concat(chunks).toString("utf8") : "" }),
      );
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
  });
}

/**
 * Runs `scenario` on CONCURRENCY keep-alive connections: first a warm-up, then until REQUESTS
 * requests are measured or MAX_MS passes. A scenario issues one or more requests through `send`.
 */
async function load(port, scenario) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const phase = async (requests, maxMs, latencies) => {
    let issued = 0;
    const errors = [];
    const end = performance.now() + maxMs;
    const send = async (path, wantBody = false) => {
      issued += 1;
      const started = performance.now();
      const result = await get(port, agent, path, wantBody);
      latencies.push(performance.now() - started);
      if (result.status !== 200) errors.push(result.status);
      return result;
    };
    const more = () => issued < requests && performance.now() < end;
    const worker = async (w) => {
      for (let i = 0; more(); i++) await scenario(send, w * 1_000_003 + i, more);
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    return { seconds: (performance.now() - t0) / 1000, errors };
  };
  await phase(WARMUP_REQUESTS, WARMUP_MAX_MS, []);
  const latencies = [];
  const { seconds, errors } = await phase(REQUESTS, MAX_MS, latencies);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { rps: latencies.length / seconds, p50: pct(0.5), p99: pct(0.99), errors, count: latencies.length };
}

function memory() {
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

function fileSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

// ---- the app: file-backed store, one simulator environment, reads open, engine never started.
const dir = mkdtempSync(join(tmpdir(), "drover-admin-bench-"));
const dbPath = join(dir, "drover.db");
const text = `storage: { path: ${dbPath} }
server: { rateLimit: { window: 1m, max: 1000000 } }
environments:
  demo: { simulator: default }
admin: { readOpen: true }
`;
const logger = createLogger({ level: "warn" });
const loadIt = () => loadConfig({ file: "bench.yml", env: {}, readFile: () => text });
const holder = new ConfigHolder({ initial: loadIt(), load: loadIt, logger });
// A controlled clock: the stored history spans months, as a real one would (ids are time-sortable).
let clock = Date.parse("2023-01-01T00:00:00Z");
const app = createApp({ configHolder: holder, logger, now: () => clock });
await app.core.engine.close(); // app.start() is never called: nothing runs against Rancher
const { store } = app.core;
const server = createServer(app.http);
// A slow endpoint keeps a connection idle past node's default 5 s keep-alive timeout between the
// warm-up and the measured phase; the client would then race the server's close (ECONNRESET).
server.keepAliveTimeout = 60_000;
const port = await listen(server);

const targets = Array.from({ length: TARGETS }, (_, i) => ({
  environment: "demo",
  stack: `stack-${String(Math.floor(i / 10)).padStart(2, "0")}`,
  service: `svc-${String(i % 10)}`,
}));
const settings = resolveSettings(holder.current.config, targets[0]);
const lastTag = new Map(); // target index → last image that succeeded there
const sampledIds = [];
let stored = 0;

/** One deployment through a realistic life; returns its event count. */
function addDeployment() {
  const t = stored < TARGETS ? stored : Math.floor(random() * TARGETS); // every target used
  const target = random() < 0.1 ? { ...targets[t], sidekick: "log-shipper" } : targets[t];
  const image = `registry.example.com:5000/team/app-${t % 50}`;
  const tag = `1.${Math.floor(stored / 1000)}.${stored % 1000}`;
  clock += 30_000 + Math.floor(random() * 600_000);
  const d = store.create({
    target,
    image,
    tag,
    digest: `sha256:${stored.toString(16).padStart(64, "0")}`,
    source: random() < 0.8 ? "registry" : "manual",
    reqId: `req-${stored}`,
    settings,
  });
  stored += 1;
  if (sampledIds.length < SAMPLE_IDS) sampledIds.push(d.id);
  else if (random() < SAMPLE_IDS / stored) sampledIds[Math.floor(random() * SAMPLE_IDS)] = d.id;
  const step = (from, to, detail, patch) => {
    clock += 1_000 + Math.floor(random() * 20_000);
    store.transition({ id: d.id, from, to, detail, ...(patch === undefined ? {} : { patch }) });
  };
  const roll = random();
  if (roll < 0.1) {
    step("queued", "superseded", "a newer push for the same target");
    return;
  }
  if (roll < 0.13) {
    step("queued", "canceled", "canceled by an operator");
    return;
  }
  const previousImage = lastTag.get(t) ?? `${image}:1.0.0`;
  step("queued", "preparing", "dispatched", { startedAt: new Date(clock).toISOString() });
  step("preparing", "upgrading", "upgrade requested", {
    previousImage,
    projectId: "1a5",
    serviceId: `1s${t}`,
  });
  if (roll < 0.16) {
    step("upgrading", "failed", "upgrade timed out", {
      error: { code: "ERR_UPGRADE_TIMEOUT", message: "upgrade did not finish in time" },
    });
    return;
  }
  step("upgrading", "verifying", "service upgraded; verifying");
  if (roll < 0.24) {
    step("verifying", "rolling-back", "health check failed", {
      error: { code: "ERR_VERIFY_UNHEALTHY", message: "2 of 3 instances unhealthy" },
    });
    step("rolling-back", "rolled-back", "rolled back");
    return;
  }
  step("verifying", "finishing", "healthy; finishing upgrade");
  step("finishing", "succeeded", "finished");
  if (target.sidekick === undefined) lastTag.set(t, `${image}:${tag}`);
}

const endpoints = [
  ["GET /healthz (baseline)", (send) => send("/healthz")],
  ["GET /api/targets", (send) => send("/api/targets")],
  ["GET /api/deployments?limit=50", (send) => send("/api/deployments?limit=50")],
  [
    "GET /api/deployments?target=…&state=succeeded&limit=50",
    (send, i) => send(`/api/deployments?target=${targetKeyOf(i)}&state=succeeded&limit=50`),
  ],
  [
    "GET /api/deployments?limit=50, 5 pages by cursor (per page)",
    async (send, _i, more) => {
      let cursor;
      for (let page = 0; page < 5 && more(); page++) {
        const query = cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`;
        const { body } = await send(`/api/deployments?limit=50${query}`, true);
        cursor = JSON.parse(body).nextCursor;
        if (cursor === undefined) break;
      }
    },
  ],
  ["GET /api/deployments/:id", (send, i) => send(`/api/deployments/${sampledIds[i % sampledIds.length]}`)],
];
const targetKeyOf = (i) => {
  const { environment, stack, service } = targets[i % TARGETS];
  return `${environment}/${stack}/${service}`;
};

const speedRows = [];
const memoryRows = [];
// Warm the HTTP path once so the baseline includes what every later measurement has loaded.
{
  const agent = new Agent({ keepAlive: true });
  for (let i = 0; i < 200; i++)
    for (const path of ["/healthz", "/api/targets", "/api/deployments?limit=50"])
      await get(port, agent, path);
  agent.destroy();
}
const baseline = memory();
memoryRows.push({ size: 0, seconds: 0, ...baseline, db: fileSize(dbPath) + fileSize(`${dbPath}-wal`) });

for (const size of SIZES) {
  const t0 = performance.now();
  while (stored < size) addDeployment();
  const seconds = (performance.now() - t0) / 1000;
  const mem = memory();
  memoryRows.push({
    size,
    seconds,
    ...mem,
    db: fileSize(dbPath) + fileSize(`${dbPath}-wal`),
  });
  console.error(`populated ${size} deployments (+${seconds.toFixed(1)} s); measuring…`);
  const check = await get(port, new Agent(), "/api/targets", true);
  const count = JSON.parse(check.body).items.length;
  if (check.status !== 200 || count !== TARGETS) throw new Error(`/api/targets answered ${count} targets`);
  for (const [name, scenario] of endpoints) {
    speedRows.push({ size, name, ...(await load(port, scenario)) });
  }
}

server.close();
await app.close();
rmSync(dir, { recursive: true, force: true });

/** `0`, or the count and the distinct statuses (`0` = connection error): `2 (0, 503)`. */
const errorText = (statuses) =>
  statuses.length === 0 ? "0" : `${statuses.length} (${[...new Set(statuses)].join(", ")})`;
const mb = (bytes) => (bytes / 1048576).toFixed(1);
console.log(
  `\nadmin API benchmark: ${TARGETS} targets, ${CONCURRENCY} keep-alive connections, ` +
    `${REQUESTS} requests or ${MAX_MS} ms per row after warm-up, node ${process.version}` +
    `${globalThis.gc === undefined ? " (no --expose-gc: memory numbers are noisy)" : ""}\n`,
);
console.log("| deployments | endpoint | req/s | vs /healthz | p50 ms | p99 ms | requests | errors |");
console.log("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const row of speedRows) {
  const base = speedRows.find((r) => r.size === row.size).rps;
  console.log(
    `| ${row.size} | ${row.name} | ${row.rps.toFixed(0)} | ${(row.rps / base).toFixed(3)} | ` +
      `${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.count} | ${errorText(row.errors)} |`,
  );
}
console.log(
  "\n| deployments | populate s | RSS MB | RSS vs empty | heapUsed MB | heap vs empty | db+wal MB |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const row of memoryRows) {
  console.log(
    `| ${row.size} | ${row.seconds.toFixed(1)} | ${mb(row.rss)} | ${(row.rss / baseline.rss).toFixed(2)} | ` +
      `${mb(row.heapUsed)} | ${(row.heapUsed / baseline.heapUsed).toFixed(2)} | ${mb(row.db)} |`,
  );
}
