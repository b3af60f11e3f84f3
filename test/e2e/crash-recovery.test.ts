import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createRancherSimulator, type RancherSimulator } from "../../src/simulator/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const FRONTEND = "registry.example.com/shop/frontend";

function writeConfig(dir: string, sim: RancherSimulator): string {
  const file = join(dir, "drover.yml");
  writeFileSync(
    file,
    `server: { host: 127.0.0.1, port: 0, shutdownGrace: 1s }
storage: { path: ${join(dir, "drover.db")} }
environments:
  sim: { url: "${sim.url}", project: Default, accessKey: ${sim.accessKey}, secretKey: ${sim.secretKey}, requestTimeout: 5s }
defaults:
  strategy: { batchSize: 1, intervalMillis: 200, startFirst: false }
  upgradeTimeout: 8s
  verify: { soak: 1500ms, timeout: 15s }
`,
  );
  return file;
}

function drover(args: string[]): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [`${root}bin/drover.js`, ...args], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { child, exited: once(child, "exit").then(([code]) => code as number | null) };
}

/** Reads the deployment row straight from SQLite, as another process would. */
function readDeployment(dbPath: string): { id: string; state: string } | undefined {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT id, state FROM deployments ORDER BY id LIMIT 1").get() as
        { id: string; state: string } | undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

function readEvents(dbPath: string, id: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (
      db.prepare("SELECT detail FROM deployment_events WHERE deployment_id = ? ORDER BY seq").all(id) as {
        detail: string;
      }[]
    ).map((row) => row.detail);
  } finally {
    db.close();
  }
}

async function poll<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const TERMINAL = new Set(["succeeded", "rolled-back", "failed", "canceled", "superseded", "skipped"]);

describe("crash safety: SIGKILL at each phase, then restart", () => {
  it.each([
    ["queued", "2.0.0", "succeeded", `${FRONTEND}:2.0.0`],
    ["preparing", "2.0.0", "succeeded", `${FRONTEND}:2.0.0`],
    ["upgrading", "2.0.0", "succeeded", `${FRONTEND}:2.0.0`],
    ["verifying", "2.0.0", "succeeded", `${FRONTEND}:2.0.0`],
    ["finishing", "2.0.0", "succeeded", `${FRONTEND}:2.0.0`],
    ["rolling-back", "bad-2.0.0", "rolled-back", `${FRONTEND}:1.0.0`],
  ])(
    "killed while %s (tag %s) ends %s on %s",
    async (phase, tag, expectedState, expectedImage) => {
      const sim = await createRancherSimulator({ timeScale: 0.1, faults: { latencyMs: 40 } });
      const dir = mkdtempSync(join(tmpdir(), "drover-crash-"));
      const config = writeConfig(dir, sim);
      const dbPath = join(dir, "drover.db");
      try {
        const first = drover([
          "deploy",
          `${FRONTEND}:${tag}`,
          "--target",
          "sim/shop/frontend",
          "--config",
          config,
          ...(phase === "queued" ? [] : ["--wait"]),
        ]);
        const seen = await poll(
          () => {
            const row = readDeployment(dbPath);
            return row?.state === phase ? row : undefined;
          },
          60_000,
          `state ${phase}`,
        );
        first.child.kill("SIGKILL");
        await first.exited;

        const server = drover(["serve", "--config", config]);
        const final = await poll(
          () => {
            const row = readDeployment(dbPath);
            return row !== undefined && TERMINAL.has(row.state) ? row : undefined;
          },
          60_000,
          "a terminal state",
        );
        server.child.kill("SIGTERM");
        const code = await server.exited;

        expect(final.id).toBe(seen.id);
        expect(final.state).toBe(expectedState);
        expect(code).toBe(0);
        const service = sim.control.service(sim.control.serviceId("shop", "frontend")) as {
          state: string;
          launchConfig: { imageUuid: string };
        };
        expect(service.state).toBe("active");
        expect(service.launchConfig.imageUuid).toBe(`docker:${expectedImage}`);
        const events = readEvents(dbPath, final.id);
        if (phase !== "queued")
          expect(
            events.some((detail) => /resumed after restart|after restart|preparing again/.test(detail)),
          ).toBe(true);
      } finally {
        await sim.close();
      }
    },
    120_000,
  );
});
