/**
 * `drover deploy --wait` while a `drover serve` uses the same database: whichever process runs
 * the deployment, the CLI follows its stored state and events and exits by its outcome.
 *
 * The "serve" is a second core (store connection + engine) on the same SQLite file. Both talk to
 * one Rancher simulator, but the CLI's connection to it is held back (its simulator starter waits
 * on a gate), so the serve picks the queued deployment up first — deterministically, the race
 * that made the CLI hang. The CLI follows on a virtual clock: its first poll's sleep has the serve
 * pick up what is queued (as its store watch does) and waits until the serve's engine is idle;
 * only then does the CLI's own engine reach Rancher, and finds the deployment already taken.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCore, type Core } from "../../src/app.js";
import { createDeployCommand } from "../../src/cli/deploy-command.js";
import { ConfigHolder, loadConfig } from "../../src/config/index.js";
import type { SimulatorHandle } from "../../src/deploy/index.js";
import { createRancherSimulator, type RancherSimulator } from "../../src/simulator/index.js";
import { captureLogs } from "../helpers/capture-logs.js";
import { createTestIo } from "../helpers/cli-io.js";

const FRONTEND = "registry.example.com/shop/frontend";

let sim: RancherSimulator;
let dir: string;
let config: string;
let serve: Core | undefined;

beforeEach(async () => {
  sim = await createRancherSimulator({ timeScale: 0.02 });
  dir = mkdtempSync(join(tmpdir(), "drover-deploy-shared-"));
  config = join(dir, "drover.yml");
  writeFileSync(
    config,
    `storage: { path: ${join(dir, "drover.db")} }
environments:
  sim: { simulator: default, timeScale: 0.02 }
defaults:
  strategy: { batchSize: 2, intervalMillis: 100, startFirst: false }
  upgradeTimeout: 3s
  verify: { soak: 0s, timeout: 10s }
`,
  );
});

afterEach(async () => {
  await serve?.close();
  serve = undefined;
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The shared simulator as a pool's simulator handle (closed by the test, not by a pool). */
function sharedSim(): SimulatorHandle {
  const { url, accessKey, secretKey, projectId } = sim;
  return { url, accessKey, secretKey, projectId, close: () => Promise.resolve() };
}

/** The `drover serve` sharing the database: its own store connection and engine. */
function startServe(): Core {
  const initial = loadConfig({ file: config, env: {} });
  const { logger } = captureLogs("info");
  serve = createCore({
    configHolder: new ConfigHolder({ initial, load: () => initial, logger }),
    logger,
    startSimulator: () => Promise.resolve(sharedSim()),
  });
  return serve;
}

/** The CLI's virtual clock and the gate holding back its Rancher connection. */
function cliSetup(serveCore: Core | undefined, options: { openAtMs?: number } = {}) {
  let nowMs = Date.UTC(2026, 0, 1);
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let pickedUp = false;
  let sleeps = 0;
  const clock = {
    now: () => nowMs,
    sleep: async (ms: number) => {
      sleeps += 1;
      if (serveCore !== undefined) {
        if (!pickedUp) {
          pickedUp = true;
          await serveCore.engine.recover();
        }
        await serveCore.engine.whenIdle();
        open();
      }
      nowMs += ms;
      if (options.openAtMs !== undefined && nowMs >= Date.UTC(2026, 0, 1) + options.openAtMs) open();
    },
  };
  const command = createDeployCommand({
    clock,
    core: { startSimulator: () => gate.then(sharedSim) },
  });
  return { command, sleeps: () => sleeps };
}

/** Progress lines: `<ISO time> <id> <state> <detail>`. */
function progressStates(out: string): string[] {
  return out
    .split("\n")
    .map((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z \S+ (\S+)\s/.exec(line)?.[1])
    .filter((state): state is string => state !== undefined);
}

const args = (tag: string, timeout: string) => [
  `${FRONTEND}:${tag}`,
  ...["--target", "sim/shop/frontend", "--config", config, "--wait", "--timeout", timeout],
];

describe("drover deploy --wait with a drover serve on the same database", () => {
  it.each([
    ["2.0.0", 0, "succeeded", ["preparing", "upgrading", "verifying", "finishing", "succeeded"]],
    ["bad-2.0.0", 1, "rolled-back", ["preparing", "upgrading", "rolling-back", "rolled-back"]],
  ])(
    "follows the stored state when the serve runs it (%s): progress from stored events, exit %i",
    async (tag, exitCode, finalState, states) => {
      const { command, sleeps } = cliSetup(startServe());
      const io = createTestIo();

      const code = await command.run(args(tag, "3s"), io);

      expect(code, io.out() + io.err()).toBe(exitCode);
      const printed = progressStates(io.out());
      for (const state of states) expect(printed).toContain(state);
      expect(io.out()).toMatch(new RegExp(`\\n\\S+ ${finalState}( \\([^\\n]+\\))?\\n$`));
      expect(sleeps()).toBeGreaterThan(0);
      const id = /^\S+ (\S+) queued/.exec(io.out())?.[1] ?? "";
      expect(serve?.store.get(id)?.state).toBe(finalState);
    },
  );

  it("gives up at --timeout on its own clock when nobody has run the deployment: exit 1, still queued", async () => {
    const { command, sleeps } = cliSetup(undefined, { openAtMs: 30 * 60_000 });
    const io = createTestIo();

    const code = await command.run(args("2.0.0", "30m"), io);

    expect(code).toBe(1);
    expect(io.err()).toMatch(/still queued after 30m/);
    expect(sleeps()).toBeGreaterThan(1);
  });
});
