import { ConfigError, formatConfigIssue, UsageError } from "../errors/index.js";
import type { CliCommand, CliIo } from "./cli-command.js";
import { configCheckCommand } from "./config-check-command.js";
import { deployCommand } from "./deploy-command.js";
import {
  deploymentsListCommand,
  deploymentsShowCommand,
  deploymentsWatchCommand,
} from "./deployments-command.js";
import { tokenCommand } from "./token-command.js";
import { EXIT_CONFIG, serveCommand } from "./serve-command.js";
import { simulatorCommand } from "./simulator-command.js";

/** Every command, in the order `drover --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  serveCommand,
  configCheckCommand,
  deployCommand,
  tokenCommand,
  deploymentsListCommand,
  deploymentsShowCommand,
  deploymentsWatchCommand,
  simulatorCommand,
];

export const EXIT_USAGE = 2;

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.words.join(" ").length));
  const lines = COMMANDS.map((command) => `  ${command.words.join(" ").padEnd(width)}  ${command.summary}`);
  return `Usage: drover <command> [options]

Commands:
${lines.join("\n")}

Run "drover <command> --help" for a command's options.`;
}

function findCommand(argv: readonly string[]): { command: CliCommand; rest: readonly string[] } | undefined {
  const matches = COMMANDS.filter((command) => command.words.every((word, i) => argv[i] === word));
  const command = matches.sort((a, b) => b.words.length - a.words.length)[0];
  return command === undefined ? undefined : { command, rest: argv.slice(command.words.length) };
}

/**
 * Runs `drover <command> …` and resolves with the exit code: the command's own, 2 for
 * usage errors (usage on stderr), 78 for an invalid config at start-up, 1 otherwise.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    io.stdout.write(`${usage()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (found === undefined) {
    const what = first === undefined ? "no command given" : `unknown command "${argv.slice(0, 2).join(" ")}"`;
    io.stderr.write(`drover: ${what}\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`drover ${found.command.words.join(" ")}: ${error.message}\n\n${found.command.help}\n`);
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
