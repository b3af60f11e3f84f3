// Ingest throughput: drover's registry webhook (verify + parse + route + durable SQLite write +
// enqueue) against the floors it runs on — bare node:http and a trivial express route — measured
// with the same in-process keep-alive load loop in one run. Prints a table with ratios.
// Run: npm run bench:ingest   (builds first; uses dist/)
import { createServer, Agent, request } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { createApp } from "../dist/app.js";
import { ConfigHolder, loadConfig } from "../dist/config/index.js";
import { createLogger } from "../dist/log/index.js";

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BEARER = "bench-registry-token-0123456789";

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

/** Fires requests on CONCURRENCY keep-alive connections for DURATION_MS; returns req/s and latency percentiles. */
async function load(port, makeRequest) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = [];
  let errors = 0;
  let seq = 0;
  const end = performance.now() + DURATION_MS;
  const worker = async () => {
    while (performance.now() < end) {
      const { path, headers, body } = makeRequest(seq++);
      const started = performance.now();
      const status = await new Promise((resolve) => {
        const req = request({ host: "127.0.0.1", port, path, method: "POST", headers, agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
        });
        req.on("error", () => resolve(0));
        req.end(body);
      });
      if (status !== 202 && status !== 200) errors += 1;
      latencies.push(performance.now() - started);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { rps: latencies.length / seconds, p50: pct(0.5), p99: pct(0.99), errors, count: latencies.length };
}

function registryEvent(i) {
  return JSON.stringify({
    events: [
      {
        id: `bench-${process.pid}-${i}`,
        timestamp: new Date().toISOString(),
        action: "push",
        target: {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: `sha256:${i.toString(16).padStart(64, "0")}`,
          repository: "team/api",
          tag: `1.0.${i}`,
        },
        request: { id: `r${i}`, host: "registry.example.com:5000", method: "PUT" },
      },
    ],
  });
}

const rows = [];

// 1. bare node:http: read the body, answer 202 JSON.
{
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(202, { "content-type": "application/json" });
      res.end('{"deployments":[]}');
    });
  });
  const port = await listen(server);
  rows.push([
    "node:http (read body, 202)",
    await load(port, (i) => ({
      path: "/hooks/registry",
      headers: { "content-type": "application/json" },
      body: registryEvent(i),
    })),
  ]);
  server.close();
}

// 2. express 5 with express.raw on the same route.
{
  const app = express();
  app.post("/hooks/:source", express.raw({ type: () => true }), (_req, res) =>
    res.status(202).json({ deployments: [] }),
  );
  const server = createServer(app);
  const port = await listen(server);
  rows.push([
    "express 5 (raw body, 202)",
    await load(port, (i) => ({
      path: "/hooks/registry",
      headers: { "content-type": "application/json" },
      body: registryEvent(i),
    })),
  ]);
  server.close();
}

// 3. drover: full ingest into a file-backed SQLite store (engine stopped so nothing runs).
{
  const dir = mkdtempSync(join(tmpdir(), "drover-bench-"));
  const text = `storage: { path: ${join(dir, "drover.db")} }
server: { rateLimit: { window: 1m, max: 1000000 } }
environments:
  demo: { simulator: default }
sources:
  registry: { bearer: "${BEARER}" }
rules:
  - image: registry.example.com:5000/team/api
    tags: { glob: "*" }
    targets: [{ environment: demo, stack: shop, service: frontend }]
`;
  const logger = createLogger({ level: "warn" });
  const loadIt = () => loadConfig({ file: "bench.yml", env: {}, readFile: () => text });
  const holder = new ConfigHolder({ initial: loadIt(), load: loadIt, logger });
  const app = createApp({ configHolder: holder, logger });
  await app.core.engine.close(); // measure ingest only: deployments stay queued
  const server = createServer(app.http);
  const port = await listen(server);
  const headers = {
    "content-type": "application/vnd.docker.distribution.events.v1+json",
    authorization: `Bearer ${BEARER}`,
  };
  rows.push([
    "drover /hooks/registry (verify, route, SQLite, 202)",
    await load(port, (i) => ({ path: "/hooks/registry", headers, body: registryEvent(i) })),
  ]);
  const stored = app.core.store.list({ limit: 1 }).items.length;
  server.close();
  await app.close();
  if (stored === 0) throw new Error("drover stored nothing: the benchmark is broken");
}

const base = rows[0][1].rps;
console.log(
  `\ningest benchmark: ${CONCURRENCY} keep-alive connections, ${DURATION_MS} ms each, node ${process.version}\n`,
);
console.log("| target | req/s | vs node:http | p50 ms | p99 ms | errors |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${r.rps.toFixed(0)} | ${(r.rps / base).toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`,
  );
}
