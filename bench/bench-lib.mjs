// Shared helpers of `npm run bench` (bench/bench.mjs): free ports, child servers, /proc CPU, percentiles.
import { spawn, execFileSync } from "node:child_process";
import { createServer, request } from "node:http";
import { existsSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BEARER = "bench-registry-token-0123456789";
export const HAS_TASKSET = existsSync("/usr/bin/taskset");
export const CORES = Number(execFileSync("nproc").toString().trim());
const children = new Set();
const dirs = new Set();

export function tempDir() {
  const d = mkdtempSync(join(tmpdir(), "drover-bench-"));
  dirs.add(d);
  return d;
}

export function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => process.exit(1));

/** Spawns a command pinned to `core` (taskset) when possible; tracked for cleanup. */
export function spawnPinned(core, cmd, args, opts = {}) {
  const [c, a] = HAS_TASKSET && CORES > 1 ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];
  const child = spawn(c, a, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], ...opts });
  children.add(child);
  child.output = "";
  child.stdout?.on("data", (d) => (child.output = (child.output + d).slice(-20000)));
  child.stderr?.on("data", (d) => (child.output = (child.output + d).slice(-20000)));
  child.exited = new Promise((r) => child.on("exit", (code, sig) => r({ code, sig })));
  return child;
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function get(port, path, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
  });
}

/** Polls `path` every 2 ms until 200; resolves with ms since `t0`. */
export async function waitFor200(port, path, t0, child, limitMs = 30000) {
  while (performance.now() - t0 < limitMs) {
    if (child && child.exitCode !== null)
      throw new Error(`server exited ${child.exitCode}: ${child.output.slice(-800)}`);
    const r = await get(port, path, 500);
    if (r.status === 200) return performance.now() - t0;
    await new Promise((r2) => setTimeout(r2, 2));
  }
  throw new Error(`no 200 on ${path} within ${limitMs} ms: ${child?.output.slice(-800) ?? ""}`);
}

/** utime+stime of a pid in µs (clock ticks of 10 ms on Linux). */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * (1e6 / 100);
}

export function rssMb(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;
}
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return pct(s, 0.5);
}

/** The real Distribution 2.8.2 manifest-push capture, with a fresh event id/digest/tag per request. */
export const FIXTURE = JSON.parse(
  readFileSync(
    join(ROOT, "test/fixtures/payloads/registry/distribution-2.8.2-manifest-push-tag.json"),
    "utf8",
  ),
);
export function registryBody(i, prefix = "b") {
  const body = structuredClone(FIXTURE.body);
  const e = body.events[0];
  e.id = `${prefix}-${i}`;
  e.target.digest = `sha256:${i.toString(16).padStart(64, "0")}`;
  e.timestamp = new Date().toISOString();
  return JSON.stringify(body);
}
export const REGISTRY_HEADERS = {
  "content-type": FIXTURE.headers["content-type"],
  authorization: `Bearer ${BEARER}`,
};
export const REPO = FIXTURE.body.events[0].target.repository;
export const HOST = FIXTURE.body.events[0].request.host;
export const TAG = FIXTURE.body.events[0].target.tag;

/** Writes a drover mapping file; `extra` is appended (environments/rules). */
export function writeConfig(dir, body) {
  const file = join(dir, "drover.yml");
  writeFileSync(
    file,
    `storage: { path: ${join(dir, "drover.db")} }\nserver: { rateLimit: { window: 1m, max: 1000000 } }\nsources:\n  registry: { bearer: "${BEARER}" }\n${body}`,
  );
  return file;
}

/** An ingest config: every push matches shop/frontend of an in-process simulator environment (never a
 * real Rancher); the engine deploys the newest push while later ones supersede the queued one. */
export function ingestConfig(dir) {
  return writeConfig(
    dir,
    `environments:\n  demo: { simulator: default, timeScale: 0.01 }\nrules:\n  - image: ${HOST}/${REPO}\n    tags: { glob: "*" }\n    targets: [{ environment: demo, stack: shop, service: frontend }]\n`,
  );
}

/** Spawns `node bin/drover.js serve` on core 0; resolves once /readyz answers 200. */
export async function startDrover(config, { core = 0, env = {}, nodeArgs = [] } = {}) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnPinned(
    core,
    process.execPath,
    [
      ...nodeArgs,
      "bin/drover.js",
      "serve",
      "--config",
      config,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
    ],
    {
      env: { ...process.env, LOG_LEVEL: "warn", LOG_FORMAT: "json", ...env },
    },
  );
  const readyMs = await waitFor200(port, "/readyz", t0, child);
  return { child, port, readyMs };
}

export async function startExpress({ core = 0 } = {}) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnPinned(core, process.execPath, ["bench/express-baseline.mjs", String(port)]);
  const readyMs = await waitFor200(port, "/readyz", t0, child);
  return { child, port, readyMs };
}

export async function stop(child, signal = "SIGTERM") {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const t = setTimeout(() => child.kill("SIGKILL"), 5000);
  await child.exited;
  clearTimeout(t);
}
