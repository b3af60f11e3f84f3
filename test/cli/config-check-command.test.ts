import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configCheckCommand } from "../../src/cli/config-check-command.js";
import { UsageError } from "../../src/errors/index.js";
import { createTestIo } from "../helpers/cli-io.js";

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

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
