import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS, EXIT_CONFIG, EXIT_USAGE, runCli } from "../../src/cli/index.js";
import { commandGroups } from "../../src/cli/run-cli.js";
import { editDistance, suggest } from "../../src/cli/suggest.js";
import { createTestIo } from "../helpers/cli-io.js";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

describe("runCli", () => {
  it("prints the command list for --help, -h and help, every command in it", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const io = createTestIo();

      expect(await runCli(argv, io)).toBe(0);
      expect(io.out()).toMatch(/^Usage: drover <command>/);
      for (const command of COMMANDS) expect(io.out()).toContain(`  ${command.words.join(" ")}`);
      expect(io.err()).toBe("");
    }
  });

  it("prints each command's help for --help, -h and help <command>, listing every flag it parses", async () => {
    for (const command of COMMANDS) {
      const words = command.words;
      for (const argv of [
        [...words, "--help"],
        [...words, "-h"],
        ["help", ...words],
      ]) {
        const io = createTestIo();

        expect(await runCli(argv, io), argv.join(" ")).toBe(0);
        expect(io.out(), argv.join(" ")).toMatch(new RegExp(`^Usage: drover ${words.join(" ")}[ \\n]`));
        expect(io.out()).toContain("-h, --help");
        for (const flag of Object.keys(command.flags ?? {})) expect(io.out()).toContain(`--${flag}`);
        expect(io.out()).toBe(`${command.help}\n`);
      }
      // Every command is defined with its flags, so its help cannot drift from its parser.
      expect(command.flags, words.join(" ")).toBeDefined();
    }
  });

  it("prints a group's commands for drover <group> --help and help <group>", async () => {
    expect(commandGroups()).toEqual(expect.arrayContaining(["config", "deployments", "targets", "token"]));
    for (const group of commandGroups()) {
      for (const argv of [
        [group, "--help"],
        [group, "-h"],
        ["help", group],
      ]) {
        const io = createTestIo();

        expect(await runCli(argv, io), argv.join(" ")).toBe(0);
        expect(io.out()).toMatch(new RegExp(`^Usage: drover ${group} <command>`));
        for (const command of COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === group))
          expect(io.out()).toContain(`  ${command.words.join(" ")}`);
      }
      const bare = createTestIo();
      expect(await runCli([group], bare)).toBe(EXIT_USAGE);
      expect(bare.err()).toMatch(
        new RegExp(`^drover ${group}: give a command\\n\\nUsage: drover ${group} <command>`),
      );
    }
  });

  it("prints the version for --version, -V and version, from package.json", async () => {
    for (const argv of [["--version"], ["-V"], ["version"]]) {
      const io = createTestIo();

      expect(await runCli(argv, io)).toBe(0);
      expect(io.out()).toBe(`drover ${VERSION}\n`);
    }
  });

  it("exits 2 with a suggestion for a misspelt command, subcommand or flag", async () => {
    const command = createTestIo();
    const sub = createTestIo();
    const flag = createTestIo();
    const short = createTestIo();
    const far = createTestIo();

    expect(await runCli(["deplyo"], command)).toBe(EXIT_USAGE);
    expect(await runCli(["deployments", "lst"], sub)).toBe(EXIT_USAGE);
    expect(await runCli(["serve", "--prot", "8080"], flag)).toBe(EXIT_USAGE);
    expect(await runCli(["config", "check", "-x"], short)).toBe(EXIT_USAGE);
    expect(await runCli(["config", "check", "--strict-mode"], far)).toBe(EXIT_USAGE);

    expect(command.err()).toBe(
      'drover: unknown command "deplyo"; did you mean deploy?\nRun "drover --help" for the list of commands.\n',
    );
    expect(sub.err()).toMatch(
      /^drover: unknown command "deployments lst"; did you mean deployments list\?\n/,
    );
    expect(flag.err()).toBe(
      'drover serve: unknown option --prot; did you mean --port?\nUsage: drover serve [options]\nRun "drover serve --help" for its options.\n',
    );
    expect(short.err()).toMatch(/^drover config check: unknown option -x\n/);
    expect(far.err()).toMatch(
      /^drover config check: unknown option --strict-mode\nUsage: drover config check/,
    );
    for (const io of [command, sub, flag, short, far]) {
      expect(io.out()).toBe("");
      expect(io.err()).not.toMatch(/To specify a positional argument|ERR_PARSE_ARGS/);
    }
  });

  it("exits 2 for a missing flag value, a value on a boolean flag, an extra argument and no command", async () => {
    const missing = createTestIo();
    const boolean = createTestIo();
    const extra = createTestIo();
    const none = createTestIo();
    const helpOf = createTestIo();

    const dashed = createTestIo();
    const empty = createTestIo();
    expect(await runCli(["serve", "--port"], missing)).toBe(EXIT_USAGE);
    expect(await runCli(["serve", "--config", "--port", "1"], dashed)).toBe(EXIT_USAGE);
    expect(await runCli(["serve", "--config="], empty)).toBe(EXIT_USAGE);
    expect(dashed.err()).toMatch(
      /^drover serve: option --config needs a value \(--config FILE\); write --config=--port if the value starts with -\n/,
    );
    expect(empty.err()).toMatch(/^drover serve: option --config needs a value/);
    expect(await runCli(["config", "check", "--resolve=yes"], boolean)).toBe(EXIT_USAGE);
    expect(await runCli(["deployments", "list", "extra"], extra)).toBe(EXIT_USAGE);
    expect(await runCli([], none)).toBe(EXIT_USAGE);
    expect(await runCli(["help", "nosuch"], helpOf)).toBe(EXIT_USAGE);

    expect(missing.err()).toMatch(/^drover serve: option --port needs a value \(--port N\)\n/);
    expect(boolean.err()).toMatch(/^drover config check: option --resolve takes no value\n/);
    expect(extra.err()).toMatch(/^drover deployments list: unexpected argument "extra"\n/);
    expect(none.err()).toMatch(/no command given[\s\S]*Usage: drover/);
    expect(helpOf.err()).toMatch(/^drover help: unknown command "nosuch"/);
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

describe("suggest", () => {
  it("counts a transposition as one edit and suggests only near candidates", () => {
    expect(editDistance("--prot", "--port")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(suggest("--prot", ["--port", "--host", "--config"])).toBe("--port");
    expect(suggest("--conf", ["--port", "--config"])).toBe("--config");
    expect(suggest("deplyo", ["deploy", "deployments", "serve"])).toBe("deploy");
    expect(suggest("--strict-mode", ["--resolve", "--timeout", "--help"])).toBeUndefined();
    expect(suggest("x", ["serve", "deploy"])).toBeUndefined();
  });
});
