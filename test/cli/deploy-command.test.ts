import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT_USAGE, runCli } from "../../src/cli/index.js";
import { deployCommand } from "../../src/cli/deploy-command.js";
import { CLEAR_LINE } from "../../src/cli/deploy-progress.js";
import { UsageError } from "../../src/errors/index.js";
import { createRancherSimulator, type RancherSimulator } from "../../src/simulator/index.js";
import { openStore } from "../../src/store/index.js";
import { createTestIo } from "../helpers/cli-io.js";

const FRONTEND = "registry.example.com/shop/frontend";

let sim: RancherSimulator;
let dir: string;
let config: string;

beforeEach(async () => {
  sim = await createRancherSimulator({ timeScale: 0.02 });
  dir = mkdtempSync(join(tmpdir(), "drover-deploy-cli-"));
  config = join(dir, "drover.yml");
  writeFileSync(
    config,
    `storage: { path: ${join(dir, "data", "drover.db")} }
environments:
  sim:
    url: "${sim.url}"
    project: Default
    accessKey: ${sim.accessKey}
    secretKey: ${sim.secretKey}
    requestTimeout: 5s
defaults:
  strategy: { batchSize: 2, intervalMillis: 100, startFirst: false }
  upgradeTimeout: 3s
  verify: { soak: 0s, timeout: 10s }
`,
  );
});

afterEach(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function frontendImage(): unknown {
  const id = sim.control.serviceId("shop", "frontend");
  return (sim.control.service(id) as { launchConfig: { imageUuid: string } }).launchConfig.imageUuid;
}

/** Progress lines: `<ISO time> <id> <state> <detail>`. */
function progressStates(out: string): string[] {
  return out
    .split("\n")
    .map((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z \S+ (\S+)\s/.exec(line)?.[1])
    .filter((state): state is string => state !== undefined);
}

describe("drover deploy", () => {
  it("--wait: exits 0 on a good image, printing progress", async () => {
    const io = createTestIo();

    const code = await deployCommand.run(
      [`${FRONTEND}:2.0.0`, "--target", "sim/shop/frontend", "--config", config, "--wait"],
      io,
    );

    expect(code).toBe(0);
    const states = progressStates(io.out());
    for (const state of ["preparing", "upgrading", "verifying", "finishing", "succeeded"])
      expect(states).toContain(state);
    expect(io.out()).toMatch(/\n\S+ succeeded\n$/);
    expect(frontendImage()).toBe(`docker:${FRONTEND}:2.0.0`);
  });

  it("--wait on a terminal: one live line rewritten in place per phase, then the outcome; exit codes unchanged", async () => {
    const io = { ...createTestIo(), isTTY: true };

    const code = await deployCommand.run(
      [`${FRONTEND}:2.0.0`, "--target", "sim/shop/frontend", "--config", config, "--wait"],
      io,
    );

    expect(code).toBe(0);
    const out = io.out();
    // Nothing but rewrites of the one line, cleared for the outcome: one newline, at the end.
    expect(out.indexOf("\n")).toBe(out.length - 1);
    expect(out.startsWith(CLEAR_LINE)).toBe(true);
    const parts = out.split(CLEAR_LINE).filter((frame) => frame !== "");
    const outcome = parts.at(-1)?.trimEnd();
    const frames = parts.slice(0, -1);
    const states = frames.map((frame) => /^\[\d+:\d\d\] d_\w+ (\S+)/.exec(frame)?.[1]);
    for (const state of ["queued", "preparing", "upgrading", "verifying", "finishing", "succeeded"])
      expect(states).toContain(state);
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(100);
    expect(outcome).toMatch(/^d_\w+ succeeded after \d+:\d\d$/);
    expect(progressStates(out)).toEqual([]);
  });

  it("--wait: exits 1 when a bad- image is rolled back", async () => {
    const io = createTestIo();

    const code = await deployCommand.run(
      [`${FRONTEND}:bad-2.0.0`, "--target", "sim/shop/frontend", "--config", config, "--wait"],
      io,
    );

    expect(code).toBe(1);
    expect(progressStates(io.out())).toContain("rolling-back");
    expect(io.out()).toMatch(/\n\S+ rolled-back \(ERR_UPGRADE_TIMEOUT: [^\n]+\)\n$/);
    expect(frontendImage()).toBe(`docker:${FRONTEND}:1.0.0`);
  });

  it("without --wait: records the deployment as queued and exits 0 without touching Rancher", async () => {
    const io = createTestIo();

    const code = await deployCommand.run(
      [`${FRONTEND}:2.0.0`, "--target", "sim/shop/frontend", "--config", config],
      io,
    );

    expect(code).toBe(0);
    expect(io.out()).toMatch(/queued registry\.example\.com\/shop\/frontend:2\.0\.0 → sim\/shop\/frontend/);
    const store = openStore({ path: join(dir, "data", "drover.db") });
    try {
      const active = store.listActive();
      expect(active).toHaveLength(1);
      expect(active[0]).toMatchObject({ state: "queued", source: "cli", image: FRONTEND, tag: "2.0.0" });
      expect(active[0]?.settings.upgradeTimeoutMs).toBe(3_000);
    } finally {
      store.close();
    }
    expect(sim.control.requests().filter((request) => request.method === "POST")).toEqual([]);
  });

  it.each([
    ["a target with too few parts", [`${FRONTEND}:2.0.0`, "--target", "sim/shop"], /--target must be/],
    [
      "a target name the admin API refuses",
      [`${FRONTEND}:2.0.0`, "--target", "sim/shop/front end"],
      /--target must be .*: each part of the target must be a name/,
    ],
    [
      "a target name longer than 128",
      [`${FRONTEND}:2.0.0`, "--target", `sim/shop/${"f".repeat(129)}`],
      /--target must be .*: each part of the target must be a name/,
    ],
    [
      "a target longer than 300",
      [`${FRONTEND}:2.0.0`, "--target", `sim/${"s".repeat(128)}/${"f".repeat(128)}/${"n".repeat(40)}`],
      /--target must be .*longer than 300/,
    ],
    [
      "an invalid tag",
      [`${FRONTEND}:bad tag`, "--target", "sim/shop/frontend"],
      /"bad tag" is not a valid tag/,
    ],
    [
      "an invalid digest",
      [`${FRONTEND}:2.0.0@sha256:xyz`, "--target", "sim/shop/frontend"],
      /"sha256:xyz" is not a sha256 digest/,
    ],
    [
      "an environment not in the config",
      [`${FRONTEND}:2.0.0`, "--target", "nope/shop/frontend"],
      /environment "nope" is not defined/,
    ],
    [
      "an inherited property name as environment",
      [`${FRONTEND}:2.0.0`, "--target", "constructor/shop/frontend"],
      /environment "constructor" is not defined/,
    ],
    ["an image without a tag", [FRONTEND, "--target", "sim/shop/frontend"], /has no tag/],
    ["no image at all", ["--target", "sim/shop/frontend"], /IMAGE:TAG is required/],
    [
      "an image with a leading space",
      [` ${FRONTEND}:2.0.0`, "--target", "sim/shop/frontend"],
      /invalid image name/,
    ],
    [
      "an image with a tab before the tag",
      [`${FRONTEND}\t:2.0.0`, "--target", "sim/shop/frontend"],
      /invalid image name/,
    ],
  ])("throws a UsageError for %s, which drover maps to exit 2", async (_what, args, message) => {
    const io = createTestIo();
    const withConfig = [...args, "--config", config, "--wait"];

    await expect(deployCommand.run(withConfig, io)).rejects.toSatisfy(
      (error: unknown) => error instanceof UsageError && message.test(error.message),
    );
    const cli = createTestIo();
    expect(await runCli(["deploy", ...withConfig], cli)).toBe(EXIT_USAGE);
    expect(cli.err()).toMatch(message);
    expect(cli.err()).toContain("Usage: drover deploy");
    expect(sim.control.requests()).toEqual([]);
  });
});
