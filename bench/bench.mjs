// `npm run bench [-- --quick]`: every benchmark of issue 13, each row in its own child processes,
// printed as ONE table (figure, drover, baseline measured in the same run, ratio, target, pass/fail).
// The parent runs `node bench/bench.mjs --row N` per row with a timeout; a failing row prints
// "error: …" and the others continue. See docs/benchmarks.md.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import Database from "better-sqlite3";
import * as L from "./bench-lib.mjs";

const QUICK = process.argv.includes("--quick");
const S = QUICK ? { ingestS: 5, openS: 5, starts: 5 } : { ingestS: 15, openS: 20, starts: 10 };

function wrk(port, seconds) {
  const body = L.registryBody(0).replace(/"id":"b-0"/, '"id":"EVENTID"');
  const out = execFileSync(
    L.HAS_TASKSET && L.CORES > 1 ? "taskset" : "wrk",
    [
      ...(L.HAS_TASKSET && L.CORES > 1 ? ["-c", "1", "wrk"] : []),
      "-t1",
      "-c32",
      `-d${seconds}s`,
      "--latency",
      "-s",
      join(L.ROOT, "bench/wrk-post.lua"),
      `http://127.0.0.1:${port}/hooks/registry`,
    ],
    {
      env: {
        ...process.env,
        BENCH_BODY: body,
        BENCH_CT: L.REGISTRY_HEADERS["content-type"],
        BENCH_AUTH: L.REGISTRY_HEADERS.authorization,
      },
      timeout: (seconds + 30) * 1000,
    },
  ).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: (.*)/.exec(out)?.[1] ?? "";
  return { rps, requests, non2xx, accepted: requests - non2xx, sock };
}

async function closedLoop(server, seconds) {
  const c0 = L.cpuMicros(server.child.pid);
  const r = wrk(server.port, seconds);
  const cpu = L.cpuMicros(server.child.pid) - c0;
  return { ...r, cpuPerOk: r.accepted > 0 ? cpu / r.accepted : NaN };
}

async function startWebhook() {
  const dir = L.tempDir();
  const hooks = join(dir, "hooks.json");
  writeFileSync(
    hooks,
    JSON.stringify([
      {
        id: "registry",
        "execute-command": "/bin/true",
        "success-http-response-code": 202,
        "trigger-rule": {
          match: {
            type: "value",
            value: L.REGISTRY_HEADERS.authorization,
            parameter: { source: "header", name: "Authorization" },
          },
        },
      },
    ]),
  );
  const port = await L.freePort();
  const child = L.spawnPinned(0, "/usr/bin/webhook", [
    "-hooks",
    hooks,
    "-ip",
    "127.0.0.1",
    "-port",
    String(port),
  ]);
  const t0 = performance.now();
  while ((await L.get(port, "/", 300)).status === 0) {
    if (child.exitCode !== null || performance.now() - t0 > 10000)
      throw new Error(`webhook did not start: ${child.output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, port };
}

const ROWS = {
  // 1 + 2: closed loop with wrk (32 connections) against drover, express, webhook; CPU per accepted delivery.
  async ingest() {
    if (!existsSync("/usr/bin/wrk")) throw new Error("wrk is not installed (apt-get install wrk)");
    const dir = L.tempDir();
    const drover = await L.startDrover(L.ingestConfig(dir));
    const d = await closedLoop(drover, S.ingestS);
    await L.stop(drover.child);
    const ex = await L.startExpress();
    const e = await closedLoop(ex, S.ingestS);
    await L.stop(ex.child);
    let w = null;
    if (existsSync("/usr/bin/webhook")) {
      const wh = await startWebhook();
      w = await closedLoop(wh, S.ingestS);
      await L.stop(wh.child);
    }
    return [
      {
        figure: `1. ingest req/s (wrk, 32 conn, ${S.ingestS} s) vs express`,
        drover: d.rps,
        baseline: e.rps,
        base: "express 5",
        ratio: d.rps / e.rps,
        target: "≥ 0.5×",
        pass: d.rps / e.rps >= 0.5,
        note: `drover non-2xx ${d.non2xx}${d.sock ? `, socket errors ${d.sock}` : ""}`,
      },
      w
        ? {
            figure: "1. ingest req/s vs adnanh/webhook",
            drover: d.rps,
            baseline: w.rps,
            base: "webhook → /bin/true",
            ratio: d.rps / w.rps,
            target: "≥ 4×",
            pass: d.rps / w.rps >= 4,
            note: `webhook non-2xx ${w.non2xx}`,
          }
        : { figure: "1. ingest req/s vs adnanh/webhook", skip: "skipped: /usr/bin/webhook not installed" },
      {
        figure: "2. server CPU µs per accepted delivery",
        drover: d.cpuPerOk,
        baseline: e.cpuPerOk,
        base: "express 5",
        ratio: d.cpuPerOk / e.cpuPerOk,
        target: "≤ 250 µs",
        pass: d.cpuPerOk <= 250,
        note: `${d.accepted} accepted`,
      },
    ];
  },
  // 3 + 4: open loop at 1,000 req/s; then SIGKILL and count the stored deliveries.
  async openloop() {
    const run = async (server) => {
      const g = L.spawnPinned(1, process.execPath, [
        "bench/open-loop.mjs",
        String(server.port),
        "1000",
        String(S.openS),
        "o",
      ]);
      const res = await g.exited;
      if (res.code !== 0) throw new Error(`generator failed: ${g.output.slice(-500)}`);
      return JSON.parse(g.output.trim().split("\n").at(-1));
    };
    const dir = L.tempDir();
    const drover = await L.startDrover(L.ingestConfig(dir));
    const d = await run(drover);
    await L.stop(drover.child, "SIGKILL");
    const db = new Database(join(dir, "drover.db"), { readonly: true });
    const stored = db.prepare("SELECT count(*) AS n FROM deliveries WHERE source = 'registry'").get().n;
    db.close();
    const ex = await L.startExpress();
    const e = await run(ex);
    await L.stop(ex.child);
    const lost = Math.max(0, d.ok - stored);
    return [
      {
        figure: `3. open loop 1,000 req/s ${S.openS} s: p50 ms (from due time)`,
        drover: d.p50,
        baseline: e.p50,
        base: "express 5",
        ratio: d.p50 / e.p50,
        target: "—",
        pass: null,
        note: `drover ${d.ok}/${d.sent} 2xx, ${d.errors} errors`,
      },
      {
        figure: `3. open loop 1,000 req/s ${S.openS} s: p99 ms (from due time)`,
        drover: d.p99,
        baseline: e.p99,
        base: "express 5",
        ratio: d.p99 / e.p99,
        target: "≤ 10 ms",
        pass: d.p99 <= 10,
        note: `max ${d.max.toFixed(1)} ms`,
      },
      {
        figure: "4. lost after SIGKILL (2xx answered − stored)",
        drover: lost,
        baseline: null,
        base: "—",
        ratio: null,
        target: "0",
        pass: lost === 0,
        note: `${d.ok} answered 2xx, ${stored} stored`,
      },
    ];
  },
  // 8: spawn → first 200 on /readyz, median of N; files loaded.
  async start() {
    const dir = L.tempDir();
    const cfg = L.ingestConfig(dir);
    const dt = [],
      et = [];
    for (let i = 0; i < S.starts; i++) {
      const d = await L.startDrover(cfg);
      dt.push(d.readyMs);
      await L.stop(d.child);
      const e = await L.startExpress();
      et.push(e.readyMs);
      await L.stop(e.child);
    }
    const out = join(dir, "modules.json");
    const d = await L.startDrover(cfg, {
      nodeArgs: ["--import", join(L.ROOT, "bench/count-modules.mjs")],
      env: { BENCH_MODULES_OUT: out },
    });
    await L.stop(d.child);
    const e = await L.startExpress();
    await L.stop(e.child);
    const { readFileSync } = await import("node:fs");
    const m = JSON.parse(readFileSync(out, "utf8"));
    return [
      {
        figure: `8. start: spawn → /readyz 200, median of ${S.starts} (ms)`,
        drover: L.median(dt),
        baseline: L.median(et),
        base: "express 5 app",
        ratio: L.median(dt) / L.median(et),
        target: "≤ 250 ms",
        pass: L.median(dt) <= 250,
        note: `files loaded by serve: ${m.esm} ESM + ${m.cjs} CJS`,
      },
    ];
  },
  // Rows 5–6 and 7 live in their own files (each exports `run(S, L)` returning rows).
  async rancher() {
    return (await import("./row-rancher.mjs")).run(S, L);
  },
  async fanout() {
    return (await import("./row-fanout.mjs")).run(S, L);
  },
};

const TIMEOUT_S = {
  ingest: 3 * S.ingestS + 90,
  openloop: 2 * S.openS + 90,
  start: 120,
  rancher: 60,
  fanout: 60,
};

if (process.argv.includes("--row")) {
  const name = process.argv[process.argv.indexOf("--row") + 1];
  try {
    const rows = await ROWS[name]();
    process.stdout.write(`ROWS ${JSON.stringify(rows)}\n`);
    process.exit(0);
  } catch (error) {
    process.stdout.write(
      `ROWS ${JSON.stringify([{ figure: name, error: String(error?.message ?? error).slice(0, 300) }])}\n`,
    );
    process.exit(1);
  }
}

function runRow(name) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(L.ROOT, "bench/bench.mjs"), "--row", name, ...(QUICK ? ["--quick"] : [])],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), TIMEOUT_S[name] * 1000);
    child.on("exit", () => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("ROWS "));
      resolve(
        line
          ? JSON.parse(line.slice(5))
          : [{ figure: name, error: `timed out or crashed after ${TIMEOUT_S[name]} s` }],
      );
    });
  });
}

const fmt = (x) =>
  x === null || x === undefined
    ? "—"
    : typeof x === "number"
      ? Number.isNaN(x)
        ? "n/a"
        : Math.abs(x) >= 100
          ? x.toFixed(0)
          : x.toFixed(2)
      : String(x);
const cpu = os.cpus();
console.log(`\ndrover benchmark (${QUICK ? "quick" : "full"}), ${new Date().toISOString()}`);
console.log(
  `machine: ${cpu.length} cores (${cpu[0]?.model ?? "?"}), node ${process.version}, taskset ${L.HAS_TASKSET ? "yes: server core 0, load core 1" : "no"}, load avg ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}\n`,
);
console.log("| figure | drover | baseline | ratio | target | result | notes |");
console.log("| --- | ---: | ---: | ---: | --- | --- | --- |");
for (const name of ["ingest", "openloop", "rancher", "fanout", "start"]) {
  for (const r of await runRow(name)) {
    if (r.error) console.log(`| ${r.figure} | error: ${r.error} | | | | | |`);
    else if (r.skip) console.log(`| ${r.figure} | ${r.skip} | | | | | |`);
    else
      console.log(
        `| ${r.figure} | ${fmt(r.drover)} | ${fmt(r.baseline)} (${r.base}) | ${r.ratio === null ? "—" : fmt(r.ratio) + "×"} | ${r.target} | ${r.pass === null ? "—" : r.pass ? "pass" : "FAIL"} | ${r.note ?? ""} |`,
      );
  }
}
