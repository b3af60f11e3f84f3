import type { CliCommand, CliIo } from "./cli-command.js";
import { HELP_FLAG, parseCliArgs, type FlagSpecs, type FlagValues } from "./parse-cli-args.js";

export interface CommandSpec<F extends FlagSpecs> {
  readonly words: readonly string[];
  readonly summary: string;
  /** Positional arguments for the usage line and the command tables, e.g. `ID` or `[FILE]`. */
  readonly args?: string;
  /** How many positionals `run` accepts (default 0). */
  readonly maxPositionals?: number;
  /** What the command does (one paragraph or a few lines), printed under the usage line. */
  readonly description: string;
  /** Positional arguments explained, `[name, text]`, printed before the options. */
  readonly argumentsHelp?: readonly (readonly [string, string])[];
  readonly flags: F;
  /** Text after the options: notes, examples, exit codes. */
  readonly notes?: string;
  run(input: { values: FlagValues<F>; positionals: string[] }, io: CliIo): Promise<number>;
}

/** `--config FILE` (or `--wait`), the left column of the options list. */
function flagLabel(name: string, flag: FlagSpecs[string]): string {
  const short = flag.short === undefined ? "" : `-${flag.short}, `;
  const value = flag.type === "string" ? ` ${flag.value ?? "VALUE"}` : "";
  return `${short}--${name}${value}`;
}

/** An aligned two-column list (`  left   text`), continuation lines indented under the text. */
export function twoColumns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows
    .flatMap(([left, text]) =>
      text.split("\n").map((line, i) => `  ${(i === 0 ? left : "").padEnd(width)}  ${line}`.trimEnd()),
    )
    .join("\n");
}

/** The `--help` text of a command, built from the same flag definitions the parser uses. */
export function renderCommandHelp(spec: Omit<CommandSpec<FlagSpecs>, "run">): string {
  const words = spec.words.join(" ");
  const flagNames = Object.keys(spec.flags);
  const usage = [`drover ${words}`, spec.args ?? "", flagNames.length > 0 ? "[options]" : ""]
    .filter((part) => part !== "")
    .join(" ");
  const flags: FlagSpecs = { ...spec.flags, ...HELP_FLAG };
  const sections = [`Usage: ${usage}`, spec.description];
  if (spec.argumentsHelp !== undefined && spec.argumentsHelp.length > 0)
    sections.push(`Arguments:\n${twoColumns(spec.argumentsHelp)}`);
  sections.push(
    `Options:\n${twoColumns(Object.entries(flags).map(([name, flag]) => [flagLabel(name, flag), flag.description ?? ""]))}`,
  );
  if (spec.notes !== undefined) sections.push(spec.notes);
  return sections.join("\n\n");
}

/**
 * A {@link CliCommand} from its definition: the parser and `--help` share `flags`, `--help`/`-h`
 * prints the help on stdout (exit 0), and `run` gets the parsed values.
 */
export function defineCommand<const F extends FlagSpecs>(spec: CommandSpec<F>): CliCommand & { flags: F } {
  const help = renderCommandHelp(spec);
  return {
    words: spec.words,
    summary: spec.summary,
    ...(spec.args === undefined ? {} : { args: spec.args }),
    flags: spec.flags,
    help,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseCliArgs(args, spec.flags, spec.maxPositionals ?? 0);
      if (parsed.values.help === true) {
        io.stdout.write(`${help}\n`);
        return 0;
      }
      return spec.run(parsed, io);
    },
  };
}
