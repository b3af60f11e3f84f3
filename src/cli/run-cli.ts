import { ConfigError, formatConfigIssue, UsageError } from "../errors/index.js";
import type { CliCommand, CliIo } from "./cli-command.js";
import { configCheckCommand } from "./config-check-command.js";
import { configShowCommand } from "./config-show-command.js";
import { deployCommand } from "./deploy-command.js";
import {
  deploymentsCancelCommand,
  deploymentsListCommand,
  deploymentsRetryCommand,
  deploymentsShowCommand,
} from "./deployments-command.js";
import { twoColumns } from "./define-command.js";
import { suggest } from "./suggest.js";
import { targetsListCommand, targetsRollbackCommand } from "./targets-command.js";
import { versionCommand } from "./version-command.js";
import { tokenCommand } from "./token-command.js";
import { deploymentsWatchCommand } from "./watch-command.js";
import { EXIT_CONFIG, serveCommand } from "./serve-command.js";
import { simulatorCommand } from "./simulator-command.js";

/** Every command, in the order `drover --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  serveCommand,
  configCheckCommand,
  configShowCommand,
  deployCommand,
  tokenCommand,
  deploymentsListCommand,
  deploymentsShowCommand,
  deploymentsCancelCommand,
  deploymentsRetryCommand,
  targetsListCommand,
  targetsRollbackCommand,
  deploymentsWatchCommand,
  simulatorCommand,
  versionCommand,
];

export const EXIT_USAGE = 2;

/** `deployments list ID`-style names with their arguments, for the command tables. */
function commandRows(commands: readonly CliCommand[]): [string, string][] {
  return commands.map((command) => [
    [...command.words, ...(command.args === undefined ? [] : [command.args])].join(" "),
    command.summary,
  ]);
}

function usage(): string {
  return `Usage: drover <command> [options]

Commands:
${twoColumns(commandRows(COMMANDS))}

Run "drover <command> --help" (or "drover help <command>") for a command's options,
"drover --version" for the version.`;
}

/** The first words that group several commands (`config`, `deployments`, `targets`, `token`). */
export function commandGroups(): string[] {
  return [
    ...new Set(
      COMMANDS.filter((command) => command.words.length > 1).map((command) => command.words[0] ?? ""),
    ),
  ];
}

function groupUsage(group: string): string {
  const members = COMMANDS.filter((command) => command.words.length > 1 && command.words[0] === group);
  return `Usage: drover ${group} <command> [options]

Commands:
${twoColumns(commandRows(members))}

Run "drover ${group} <command> --help" for a command's options.`;
}

function findCommand(argv: readonly string[]): { command: CliCommand; rest: readonly string[] } | undefined {
  const matches = COMMANDS.filter((command) => command.words.every((word, i) => argv[i] === word));
  const command = matches.sort((a, b) => b.words.length - a.words.length)[0];
  return command === undefined ? undefined : { command, rest: argv.slice(command.words.length) };
}

/** What `argv` names: a command (with the rest of the arguments), a group, or nothing known. */
type Resolved =
  | { readonly kind: "command"; readonly command: CliCommand; readonly rest: readonly string[] }
  | { readonly kind: "group"; readonly group: string; readonly rest: readonly string[] }
  | { readonly kind: "unknown"; readonly message: string };

function resolve(argv: readonly string[]): Resolved {
  const found = findCommand(argv);
  if (found !== undefined) return { kind: "command", ...found };
  const [first = "", second] = argv;
  const groups = commandGroups();
  if (groups.includes(first)) {
    if (second === undefined || second.startsWith("-"))
      return { kind: "group", group: first, rest: argv.slice(1) };
    const subcommands = COMMANDS.filter((command) => command.words[0] === first).map((command) =>
      command.words.join(" "),
    );
    const near = suggest(`${first} ${second}`, subcommands);
    return {
      kind: "unknown",
      message: `unknown command "${first} ${second}"${near === undefined ? "" : `; did you mean ${near}?`}\nRun "drover ${first} --help" for its commands.`,
    };
  }
  const firstWords = [...new Set(COMMANDS.map((command) => command.words[0] ?? ""))];
  const near = suggest(first, firstWords);
  return {
    kind: "unknown",
    message: `unknown command "${first}"${near === undefined ? "" : `; did you mean ${near}?`}\nRun "drover --help" for the list of commands.`,
  };
}

/** Whether the arguments ask for help (`--help`/`-h` before a `--`). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

/** `drover help [COMMAND…]`: the command list, a group's commands or one command's help. */
function printHelp(words: readonly string[], io: CliIo): number {
  if (words.length === 0) {
    io.stdout.write(`${usage()}\n`);
    return 0;
  }
  const resolved = resolve(words);
  switch (resolved.kind) {
    case "command":
      if (resolved.rest.length > 0) break;
      io.stdout.write(`${resolved.command.help}\n`);
      return 0;
    case "group":
      io.stdout.write(`${groupUsage(resolved.group)}\n`);
      return 0;
    case "unknown":
      io.stderr.write(`drover help: ${resolved.message}\n`);
      return EXIT_USAGE;
  }
  io.stderr.write(
    `drover help: unknown command "${words.join(" ")}"\nRun "drover --help" for the list of commands.\n`,
  );
  return EXIT_USAGE;
}

/**
 * Runs `drover <command> …` and resolves with the exit code: the command's own, 2 for
 * usage errors (on stderr, with a suggestion for a misspelt command or flag), 78 for an invalid
 * config at start-up, 1 otherwise. `--help`/`-h` works on every command and command group.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    io.stderr.write(`drover: no command given\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  if (first === "--help" || first === "-h") return printHelp([], io);
  if (first === "help") return printHelp(argv.slice(1), io);
  if (first === "--version" || first === "-V") return versionCommand.run([], io);
  const resolved = resolve(argv);
  switch (resolved.kind) {
    case "unknown":
      io.stderr.write(`drover: ${resolved.message}\n`);
      return EXIT_USAGE;
    case "group":
      if (asksForHelp(resolved.rest)) {
        io.stdout.write(`${groupUsage(resolved.group)}\n`);
        return 0;
      }
      io.stderr.write(`drover ${resolved.group}: give a command\n\n${groupUsage(resolved.group)}\n`);
      return EXIT_USAGE;
    case "command":
      break;
  }
  const { command, rest } = resolved;
  if (asksForHelp(rest)) {
    io.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const name = command.words.join(" ");
      const usageLine = command.help.split("\n")[0] ?? "";
      io.stderr.write(
        `drover ${name}: ${error.message}\n${usageLine}\nRun "drover ${name} --help" for its options.\n`,
      );
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`drover: invalid configuration\n${error.issues.map(formatConfigIssue).join("\n")}\n`);
      return EXIT_CONFIG;
    }
    io.stderr.write(`drover: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
