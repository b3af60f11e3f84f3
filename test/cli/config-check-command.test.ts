import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configCheckCommand } from "../../src/cli/config-check-command.js";
import { UsageError } from "../../src/errors/index.js";
import { CHECK_RETRY } from "../../src/operations/index.js";
import { createRancherSimulator } from "../../src/simulator/index.js";
import { createTestIo } from "../helpers/cli-io.js";
import { ManualTimers, nextTurn } from "../helpers/manual-timers.js";

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

/**
 * Lets `work` run (its real I/O included) while firing, in order, every timer of `timers` that
 * falls due before `beforeMs` on it — retry backoffs, but no deadline set to `beforeMs` — and
 * resolves with its result and how many timers were fired. The clock moves only as far as `work`
 * needs it to.
 */
async function runFiringTimersBefore<T>(
  timers: ManualTimers,
  beforeMs: number,
  work: Promise<T>,
): Promise<{ result: T; fired: number }> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  const start = timers.now();
  let fired = 0;
  while (!done) {
    const next = timers.pending()[0];
    if (next !== undefined && timers.now() - start + next < beforeMs) {
      await timers.advance(next);
      fired += 1;
    } else await nextTurn();
  }
  return { result: await settled, fired };
}

describe("configCheckCommand", () => {
  it("exits 0 with a one-line summary for a valid file", async () => {
    const io = createTestIo({
      RANCHER_ACCESS_KEY: "ak-1234567",
      RANCHER_SECRET_KEY: "sk-1234567",
      REGISTRY_HOOK_TOKEN: "t".repeat(20),
    });

    const code = await configCheckCommand.run([fixture("valid.yml")], io);

    expect(code).toBe(0);
    expect(io.out()).toMatch(/valid\.yml: OK — 2 environments, 2 rules, 3 targets \(hash [0-9a-f]{12}\)\n$/);
  });

  it("exits 1 and lists all three mistakes with their lines", async () => {
    const io = createTestIo({ RANCHER_ACCESS_KEY: "ak-1234567" });

    const code = await configCheckCommand.run([fixture("three-mistakes.yml")], io);

    expect(code).toBe(1);
    const lines = io.err().trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/:6:16: .*DROVER_TEST_UNSET_SECRET is not set/);
    expect(lines[1]).toMatch(/:11:24: .*environment "staging" is not defined/);
    expect(lines[2]).toMatch(/:12:5: .*unknown key "tagz"/);
    expect(lines[3]).toBe("3 problems found");
  });

  it("uses DROVER_CONFIG when no file is given", async () => {
    const io = createTestIo({ DROVER_CONFIG: fixture("nope.yml") });

    expect(await configCheckCommand.run([], io)).toBe(1);
    expect(io.err()).toMatch(/nope\.yml: \(root\): cannot read the config file \(ENOENT\)/);
  });

  it("rejects extra arguments", async () => {
    await expect(configCheckCommand.run(["a.yml", "b.yml"], createTestIo())).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});

describe("configCheckCommand --resolve", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "drover-config-check-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A mapping file with the given environments and one rule over `targets` (flow-style YAML). */
  function writeConfig(name: string, environments: string, targets: readonly string[]): string {
    const file = join(dir, name);
    writeFileSync(
      file,
      `environments:
${environments}
rules:
  - image: registry.example.com/shop/frontend
    tags: { glob: "*" }
    targets:
${targets.map((target) => `      - ${target}`).join("\n")}
`,
    );
    return file;
  }

  const DEMO = "  demo: { simulator: default, timeScale: 0.05 }";

  it("exits 0 and prints one ok line per distinct target when all resolve", async () => {
    const file = writeConfig("all-ok.yml", DEMO, [
      "{ environment: demo, stack: shop, service: frontend }",
      "{ environment: demo, stack: shop, service: frontend, sidekick: nginx }",
      "{ environment: demo, stack: Shop, service: worker }",
    ]);
    const io = createTestIo();

    const code = await configCheckCommand.run([file, "--resolve"], io);

    expect(io.err()).toBe("");
    expect(code).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines[0]).toMatch(/all-ok\.yml: OK — 1 environment, 1 rule, 3 targets/);
    expect(lines[1]).toMatch(
      /^ok demo\/shop\/frontend → 1s\d+ \(active, docker:registry\.example\.com\/shop\/frontend:1\.0\.0\)$/,
    );
    expect(lines[2]).toMatch(
      /^ok demo\/shop\/frontend\/nginx → 1s\d+ sidekick nginx \(active, docker:nginx:1\.25\)$/,
    );
    expect(lines[3]).toMatch(
      /^ok demo\/Shop\/worker → 1s\d+ \(active, docker:registry\.example\.com\/shop\/worker:1\.0\.0\)$/,
    );
    expect(lines[4]).toBe("all 3 targets resolve");
    expect(lines).toHaveLength(5);
  });

  it("exits 1 naming an unknown service, stack and sidekick, and still lists every target", async () => {
    const file = writeConfig("some-fail.yml", DEMO, [
      "{ environment: demo, stack: shop, service: api }",
      "{ environment: demo, stack: warehouse, service: frontend }",
      "{ environment: demo, stack: shop, service: frontend, sidekick: envoy }",
      "{ environment: demo, stack: shop, service: worker }",
    ]);
    const io = createTestIo();

    const code = await configCheckCommand.run([file, "--resolve"], io);

    expect(code).toBe(1);
    const lines = io.out().trim().split("\n").slice(1);
    expect(lines).toEqual([
      'FAIL demo/shop/api: service "api" not found in stack "shop" of environment "demo"',
      'FAIL demo/warehouse/frontend: stack "warehouse" not found in environment "demo"',
      'FAIL demo/shop/frontend/envoy: sidekick "envoy" not found on service "frontend" in stack "shop" (its sidekicks: nginx)',
      expect.stringMatching(/^ok demo\/shop\/worker → 1s\d+ \(active, /),
    ]);
    expect(io.err()).toBe("3 of 4 targets did not resolve\n");
  });

  it("reports rejected credentials naming the environment, without printing the secret key", async () => {
    const sim = await createRancherSimulator({
      timeScale: 0.05,
      apiKey: { accessKey: "right-access", secretKey: "right-secret-key-123" },
    });
    try {
      const file = writeConfig(
        "bad-keys.yml",
        `  prod:
    url: "${sim.url}"
    project: Default
    accessKey: wrong-access
    secretKey: "\${PROD_SECRET}"
    requestTimeout: 2s`,
        [
          "{ environment: prod, stack: shop, service: frontend }",
          "{ environment: prod, stack: shop, service: worker }",
        ],
      );
      const secret = "wrong-secret-key-987654";
      const io = createTestIo({ PROD_SECRET: secret });

      const code = await configCheckCommand.run([file, "--resolve"], io);

      expect(code).toBe(1);
      const lines = io.out().trim().split("\n").slice(1);
      expect(lines).toHaveLength(2);
      for (const [index, service] of ["frontend", "worker"].entries()) {
        expect(lines[index]).toBe(
          `FAIL prod/shop/${service}: Rancher rejected the API key of environment "prod" (401): check its accessKey/secretKey (Rancher at ${new URL(sim.url).origin}/)`,
        );
      }
      expect(`${io.out()}${io.err()}`).not.toContain(secret);
      expect(`${io.out()}${io.err()}`).not.toContain(
        Buffer.from(`wrong-access:${secret}`).toString("base64"),
      );
    } finally {
      await sim.close();
    }
  });

  it("fails an unreachable Rancher clearly within the timeout", async () => {
    const file = writeConfig(
      "unreachable.yml",
      `  down:
    url: http://127.0.0.1:1
    project: Default
    accessKey: some-access
    secretKey: some-secret-key-42
${DEMO}`,
      [
        "{ environment: down, stack: shop, service: frontend }",
        "{ environment: demo, stack: shop, service: worker }",
      ],
    );
    const timers = new ManualTimers();
    const io = { ...createTestIo(), timers };
    const started = timers.now();

    const { result: code, fired } = await runFiringTimersBefore(
      timers,
      3_000,
      configCheckCommand.run([file, "--resolve", "--timeout", "3s"], io),
    );

    // The check's retries of the refused connection back off on its clock, and it is done before
    // either environment's 3 s bound (pending until the check ends) comes due.
    expect(fired).toBe(CHECK_RETRY.attempts - 1);
    expect(timers.now() - started).toBeLessThan(3_000);
    expect(timers.pending()).toEqual([]);
    expect(code).toBe(1);
    const lines = io.out().trim().split("\n").slice(1);
    expect(lines[0]).toMatch(
      /^FAIL down\/shop\/frontend: (cannot reach Rancher at http:\/\/127\.0\.0\.1:1\/ for environment "down": ECONNREFUSED|no answer from Rancher \(http:\/\/127\.0\.0\.1:1\/\) for environment "down" within 3 s)/,
    );
    expect(lines[1]).toMatch(/^ok demo\/shop\/worker → /);
    expect(io.out()).not.toContain("some-secret-key-42");
  });

  it("bounds an environment that never answers by --timeout", async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const file = writeConfig(
        "silent.yml",
        `  silent: { url: "http://127.0.0.1:${port}", project: Default, accessKey: a, secretKey: b }`,
        ["{ environment: silent, stack: shop, service: frontend }"],
      );
      const timers = new ManualTimers();
      const io = { ...createTestIo(), timers };
      let finished = false;
      const running = configCheckCommand.run([file, "--resolve", "--timeout", "500ms"], io).finally(() => {
        finished = true;
      });
      await vi.waitFor(() => expect(sockets).toHaveLength(1), { timeout: 10_000, interval: 10 });
      const bounds = timers.pending();

      await timers.advance(499);
      const finishedEarly = finished;
      await timers.advance(1);
      const code = await running;

      expect(bounds).toEqual([500]);
      expect(finishedEarly).toBe(false);
      expect(timers.pending()).toEqual([]);
      expect(code).toBe(1);
      expect(io.out()).toContain(
        `FAIL silent/shop/frontend: no answer from Rancher (http://127.0.0.1:${port}/) for environment "silent" within 500 ms`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("rejects --timeout without --resolve and a bad duration", async () => {
    await expect(configCheckCommand.run(["--timeout", "5s"], createTestIo())).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(configCheckCommand.run(["--resolve", "--timeout", "soon"], createTestIo())).rejects.toThrow(
      /not a positive duration/,
    );
  });

  it("does not contact Rancher when the file is invalid", async () => {
    const io = createTestIo({ RANCHER_ACCESS_KEY: "ak-1234567" });

    const code = await configCheckCommand.run([fixture("three-mistakes.yml"), "--resolve"], io);

    expect(code).toBe(1);
    expect(io.out()).toBe("");
    expect(io.err()).toMatch(/3 problems found\n$/);
  });

  it("documents --resolve in --help", async () => {
    const io = createTestIo();

    expect(await configCheckCommand.run(["--help"], io)).toBe(0);
    expect(io.out()).toMatch(/--resolve\s+also check that every target resolves in Rancher/);
  });
});
