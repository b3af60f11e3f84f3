import type { Writable } from "node:stream";
import type { Timers } from "../domain/index.js";
import type { FlagSpecs } from "./parse-cli-args.js";

/** What a CLI command may touch: its output streams, the environment and process signals. */
export interface CliIo {
  readonly stdout: Pick<Writable, "write">;
  readonly stderr: Pick<Writable, "write">;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Where long-running commands (serve, simulator) listen for SIGTERM/SIGINT/SIGHUP.
   * Defaults to `process`; tests pass an EventEmitter.
   */
  readonly signals?: Pick<NodeJS.EventEmitter, "on" | "off">;
  /**
   * The timers commands bound their waits with (`config check --resolve`'s timeout). Defaults to
   * Node's; tests pass a manual clock.
   */
  readonly timers?: Timers;
  /**
   * Whether stdout is a terminal (`process.stdout.isTTY`): live progress lines and coloured, human
   * log lines there; plain lines and JSON logs when piped. Default false.
   */
  readonly isTTY?: boolean;
}

/** One `drover` sub-command. `run` resolves with the process exit code. */
export interface CliCommand {
  /** Words that select the command, e.g. `["config", "check"]`. */
  readonly words: readonly string[];
  /** One line for the command list. */
  readonly summary: string;
  /** The positional arguments as the command tables show them, e.g. `ID` or `[FILE]`. */
  readonly args?: string;
  /** The flags `run` parses (what `--help` lists); see {@link defineCommand}. */
  readonly flags?: FlagSpecs;
  /** Full `--help` text (usage line, options, examples); `drover <words> --help` prints it. */
  readonly help: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}
