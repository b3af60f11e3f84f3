import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { runCli } from "../../src/cli/run-cli.js";
import { deploymentsWatchCommand } from "../../src/cli/watch-command.js";
import type { ConfigHolder } from "../../src/config/index.js";
import { resolveSettings } from "../../src/deploy/index.js";
import type { Deployment, DeployTarget } from "../../src/domain/index.js";
import { UsageError } from "../../src/errors/index.js";
import { listen } from "../../src/http/index.js";
import { createRancherSimulator } from "../../src/simulator/index.js";
import { createTestIo, type TestIo } from "../helpers/cli-io.js";
import { ManualTimers, nextTurn } from "../helpers/manual-timers.js";
import { createTestApp } from "../helpers/test-app.js";

const TOKEN = "admin-token-for-watch-tests-0001";
const FRONTEND = "registry.example.com/shop/frontend";
const WEB: DeployTarget = { environment: "demo", stack: "shop", service: "frontend" };
const WORKER: DeployTarget = { environment: "demo", stack: "shop", service: "worker" };
const CONFIG = `
storage: { path: ":memory:" }
environments:
  demo: { simulator: default, timeScale: 0.02 }
defaults:
  strategy: { batchSize: 2, intervalMillis: 100 }
  upgradeTimeout: 3s
  verify: { soak: 200ms, timeout: 1500ms }
`;

let app: App | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  await app?.close();
  app = undefined;
  server = undefined;
});

async function start(): Promise<{ app: App; holder: ConfigHolder; url: string; server: Server }> {
  const built = createTestApp(CONFIG, {
    adminToken: TOKEN,
    startSimulator: async (_seed, timeScale) => {
      const sim = await createRancherSimulator({ timeScale });
      return { ...sim, close: () => sim.close() };
    },
  });
  app = built.app;
  server = createServer(app.http);
  const port = await listen(server, 0, "127.0.0.1");
  return { app, holder: built.configHolder, url: `http://127.0.0.1:${port}`, server };
}

function seed(target: DeployTarget, holder: ConfigHolder): Deployment {
  if (app === undefined) throw new Error("no app");
  return app.core.store.create({
    target,
    image: FRONTEND,
    tag: "1.0.0",
    source: "manual",
    settings: resolveSettings(holder.current.config, target),
  });
}

/** Yields to the event loop until `check` holds (the guard only turns a hang into a message). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !check(); turn += 1) {
    if (turn > 200_000) throw new Error(`never: ${what}`);
    await nextTurn();
  }
}

const lines = (io: TestIo): string[] => io.out().split("\n").filter(Boolean);
const LINE = /^\d{2}:\d{2}:\d{2} {2}(d_\w+) {2}(\S+) {2}(\S+)\s+ (".*")$/;

describe("drover deployments watch", () => {
  it("prints a deployment's transitions as they happen and exits 0 when it succeeded", async () => {
    const { app: running, url } = await start();
    const deployment = running.core.operations.deploy({
      target: WEB,
      image: FRONTEND,
      tag: "1.1.0",
      source: "manual",
    });
    const io = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });

    const code = await runCli(["deployments", "watch", deployment.id], io);

    expect(code).toBe(0);
    const parsed = lines(io).map((line) => LINE.exec(line));
    expect(parsed.every((match) => match !== null)).toBe(true);
    expect(parsed.map((match) => match?.[3])).toEqual([
      "queued",
      "preparing",
      "upgrading",
      "verifying",
      "finishing",
      "succeeded",
    ]);
    expect(parsed.every((match) => match?.[1] === deployment.id && match[2] === "demo/shop/frontend")).toBe(
      true,
    );
    const stored = running.core.store.events(deployment.id).filter((event) => event.kind === "transition");
    expect(parsed.map((match) => match?.[4])).toEqual(stored.map((event) => JSON.stringify(event.detail)));
    expect(lines(io)[0]?.slice(0, 8)).toBe(stored[0]?.at.slice(11, 19));
  }, 30_000);

  it("exits 1 when the deployment is rolled back", async () => {
    const { app: running, url } = await start();
    const deployment = running.core.operations.deploy({
      target: WEB,
      image: FRONTEND,
      tag: "bad-9.9.9",
      source: "manual",
    });
    const io = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN });

    const code = await deploymentsWatchCommand.run([deployment.id, "--url", url], io);

    expect(code).toBe(1);
    expect(lines(io).at(-1)).toMatch(
      / rolled-back +"rolled back; service active on registry\.example\.com\/shop\/frontend:1\.0\.0"$/,
    );
    expect(running.core.store.get(deployment.id)?.state).toBe("rolled-back");
  }, 30_000);

  it("prints the history of a deployment that already ended, and exits by its outcome", async () => {
    const { app: running, holder, url } = await start();
    const done = seed(WORKER, holder);
    running.core.store.transition({
      id: done.id,
      from: "queued",
      to: "canceled",
      detail: "canceled by the operator",
    });
    const io = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });

    const code = await deploymentsWatchCommand.run([done.id], io);

    expect(code).toBe(1);
    expect(lines(io).map((line) => line.replace(/^\S+/, "T"))).toEqual([
      `T  ${done.id}  demo/shop/worker  queued        "queued"`,
      `T  ${done.id}  demo/shop/worker  canceled      "canceled by the operator"`,
    ]);
  });

  it("resumes with Last-Event-ID after a dropped connection: every transition once, none missed", async () => {
    const { app: running, holder, url, server: http } = await start();
    const watched = seed(WORKER, holder);
    const timers = new ManualTimers();
    const io = { ...createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url }), timers };
    const streams = (): number => running.core.operations.events.subscribers();

    const watching = deploymentsWatchCommand.run([watched.id], io);
    await until(() => lines(io).length === 1 && streams() === 1, "the history is printed");
    running.core.store.transition({ id: watched.id, from: "queued", to: "preparing", detail: "live" });
    await until(() => lines(io).length === 2, "the live transition is printed");
    http.closeAllConnections();
    await until(() => io.err().includes("reconnecting every 2 s"), "the drop is noticed");
    running.core.store.transition({ id: watched.id, from: "preparing", to: "upgrading", detail: "missed" });
    running.core.store.annotate(watched.id, "note", "a log line is not printed");
    await timers.advance(2_000);
    await until(() => streams() === 1 && lines(io).length === 3, "the missed transition is replayed");
    running.core.store.transition({ id: watched.id, from: "upgrading", to: "failed", detail: "gave up" });
    const code = await watching;

    expect(code).toBe(1);
    expect(lines(io).map((line) => line.split("  ")[3]?.trim())).toEqual([
      "queued",
      "preparing",
      "upgrading",
      "failed",
    ]);
  });

  it("reports an outage once, however many attempts fail, and goes on when the server is back", async () => {
    const { app: running, holder, url, server: http } = await start();
    const port = Number(new URL(url).port);
    const timers = new ManualTimers();
    const io = { ...createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url }), timers };
    const streams = (): number => running.core.operations.events.subscribers();

    const watching = deploymentsWatchCommand.run([], io);
    await until(() => streams() === 1, "the stream is open");
    const before = seed(WEB, holder);
    await until(() => lines(io).length === 1, "the first event is printed");
    http.close();
    http.closeAllConnections();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await until(() => timers.pending().includes(2_000), "a reconnect is scheduled");
      await timers.advance(2_000);
    }
    await until(() => timers.pending().includes(2_000), "a reconnect is scheduled");
    await listen(http, port, "127.0.0.1");
    const missed = seed(WORKER, holder);
    await timers.advance(2_000);
    await until(() => lines(io).length === 2, "the event of the outage is printed");
    io.signals.emit("SIGTERM");

    expect(await watching).toBe(0);
    expect(io.err().match(/connection to drover lost/g)).toHaveLength(1);
    expect(lines(io)[0]).toContain(`${before.id}  demo/shop/frontend  queued`);
    expect(lines(io)[1]).toContain(`${missed.id}  demo/shop/worker  queued`);
  });

  it("follows every deployment without an ID until SIGINT, and exits 0", async () => {
    const { app: running, holder, url } = await start();
    const io = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });

    const watching = deploymentsWatchCommand.run([], io);
    await until(() => running.core.operations.events.subscribers() === 1, "the stream is open");
    const a = seed(WORKER, holder);
    const b = seed(WEB, holder);
    running.core.store.transition({ id: a.id, from: "queued", to: "canceled", detail: "stop" });
    await until(() => lines(io).length === 3, "three transitions are printed");
    io.signals.emit("SIGINT");

    expect(await watching).toBe(0);
    expect(lines(io).map((line) => line.split("  ").slice(1, 4).join(" ").replace(/\s+/g, " "))).toEqual([
      `${a.id} demo/shop/worker queued`,
      `${b.id} demo/shop/frontend queued`,
      `${a.id} demo/shop/worker canceled`,
    ]);
    await until(() => running.core.operations.events.subscribers() === 0, "the stream is closed");
  });

  it("fails clearly without a token, for an unknown deployment and for a bad id", async () => {
    const { url } = await start();

    await expect(deploymentsWatchCommand.run(["--url", url], createTestIo())).rejects.toThrow(
      /^drover answered 401: ERR_AUTH .*\(no admin token given/,
    );
    await expect(
      deploymentsWatchCommand.run(
        ["d_00000000000000000000000000", "--url", url, "--token", TOKEN],
        createTestIo(),
      ),
    ).rejects.toThrow(/404/);
    await expect(deploymentsWatchCommand.run(["../x", "--url", url], createTestIo())).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(
      deploymentsWatchCommand.run(["--url", "http://127.0.0.1:1", "--token", TOKEN], createTestIo()),
    ).rejects.toThrow(/cannot reach drover at http:\/\/127\.0\.0\.1:1/);
  });
});
