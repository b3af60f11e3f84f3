import { parseArgs } from "node:util";
import { UsageError } from "../errors/index.js";
import { suggest } from "./suggest.js";

/**
 * One command-line flag: what the parser accepts and what `--help` says about it. The parser and
 * the help text are built from the same definitions, so they cannot drift apart.
 */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in the help, e.g. `FILE` (string flags; default `VALUE`). */
  readonly value?: string;
  /** The help text; `\n` starts a continuation line. */
  readonly description?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed values of `F` (absent flags are undefined); `help` is always accepted. */
export type FlagValues<F extends FlagSpecs> = {
  readonly [K in keyof F]?: F[K]["type"] extends "boolean"
    ? boolean
    : F[K]["multiple"] extends true
      ? string[]
      : string;
} & { readonly help?: boolean };

/** `-h, --help`, accepted by every command. */
export const HELP_FLAG = {
  help: { type: "boolean", short: "h", description: "show this help" },
} as const satisfies FlagSpecs;

/** `--name` and `-x` spellings of every flag, for suggestions. */
function spellings(flags: FlagSpecs): string[] {
  return Object.entries(flags).flatMap(([name, flag]) => [
    `--${name}`,
    ...(flag.short === undefined ? [] : [`-${flag.short}`]),
  ]);
}

/**
 * Strict parsing for one command: an unknown flag ("unknown option --prot; did you mean --port?"),
 * a missing value or a value given to a boolean flag, and more positionals than `maxPositionals`
 * become a UsageError (exit 2). `--help`/`-h` is always accepted.
 */
export function parseCliArgs<const F extends FlagSpecs>(
  args: readonly string[],
  flags: F,
  maxPositionals = 0,
): { values: FlagValues<F>; positionals: string[] } {
  const all: FlagSpecs = { ...flags, ...HELP_FLAG };
  const options = Object.fromEntries(
    Object.entries(all).map(([name, flag]) => [
      name,
      {
        type: flag.type,
        ...(flag.short === undefined ? {} : { short: flag.short }),
        ...(flag.multiple === true ? { multiple: true } : {}),
      },
    ]),
  );
  // A lenient pass first, so every problem gets drover's wording rather than Node's.
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = all[token.name];
    if (flag === undefined || (!token.rawName.startsWith("--") && flag.short !== token.rawName.slice(1))) {
      const known = spellings(all);
      const near = suggest(token.rawName, known);
      throw new UsageError(
        `unknown option ${token.rawName}${near === undefined ? "" : `; did you mean ${near}?`}`,
      );
    }
    const needs = `option ${token.rawName} needs a value (${token.rawName} ${flag.value ?? "VALUE"})`;
    if (flag.type === "string" && token.inlineValue === false && token.value?.startsWith("-") === true)
      throw new UsageError(`${needs}; write ${token.rawName}=${token.value} if the value starts with -`);
    if (flag.type === "string" && token.value === "") throw new UsageError(needs);
    if (flag.type === "string" && token.value === undefined)
      throw new UsageError(
        `option ${token.rawName} needs a value (${token.rawName} ${flag.value ?? "VALUE"})`,
      );
    if (flag.type === "boolean" && token.inlineValue === true)
      throw new UsageError(`option ${token.rawName} takes no value`);
  }
  let result;
  try {
    result = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (result.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${result.positionals[maxPositionals] ?? ""}"`);
  }
  return { values: result.values as FlagValues<F>, positionals: result.positionals };
}

/** Parses a TCP port flag value. */
export function parsePortFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new UsageError(`${flag} must be a port number (0-65535)`);
  return port;
}
