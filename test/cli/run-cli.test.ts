import { describe, expect, it } from "vitest";
import { EXIT_CONFIG, EXIT_USAGE, runCli } from "../../src/cli/index.js";
import { createTestIo } from "../helpers/cli-io.js";

describe("runCli", () => {
  it("prints the command list for --help", async () => {
    const io = createTestIo();

    expect(await runCli(["--help"], io)).toBe(0);
    expect(io.out()).toMatch(/Usage: drover <command>[\s\S]*serve[\s\S]*config check/);
  });

  it("exits 2 with usage on stderr for no command, an unknown command or an unknown flag", async () => {
    const none = createTestIo();
    const unknown = createTestIo();
    const badFlag = createTestIo();

    expect(await runCli([], none)).toBe(EXIT_USAGE);
    expect(await runCli(["deploy-everything"], unknown)).toBe(EXIT_USAGE);
    expect(await runCli(["config", "check", "--strict-mode"], badFlag)).toBe(EXIT_USAGE);

    expect(none.err()).toMatch(/no command given[\s\S]*Usage: drover/);
    expect(unknown.err()).toMatch(/unknown command "deploy-everything"/);
    expect(badFlag.err()).toMatch(
      /drover config check: Unknown option '--strict-mode'[\s\S]*Usage: drover config check/,
    );
    expect(none.out() + unknown.out() + badFlag.out()).toBe("");
  });

  it("prints --help for each command", async () => {
    for (const words of [["serve"], ["config", "check"]]) {
      const io = createTestIo();

      expect(await runCli([...words, "--help"], io)).toBe(0);
      expect(io.out()).toContain(`Usage: drover ${words.join(" ")}`);
    }
  });

  it("exits 78 when serve starts on an invalid config", async () => {
    const io = createTestIo();

    expect(await runCli(["serve", "--config", "/nonexistent/drover.yml"], io)).toBe(EXIT_CONFIG);
    expect(io.err()).toMatch(
      /invalid configuration\n\/nonexistent\/drover\.yml: \(root\): cannot read the config file \(ENOENT\)/,
    );
  });

  it("exits 78 on a bad environment variable", async () => {
    const io = createTestIo({ LOG_LEVEL: "chatty" });

    expect(await runCli(["serve"], io)).toBe(EXIT_CONFIG);
    expect(io.err()).toMatch(/environment: LOG_LEVEL:/);
  });
});
