import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors/index.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Strict `parseArgs` for one command: unknown flags, missing values and unexpected
 * positionals become a UsageError (exit 2). `--help` is always accepted.
 */
export function parseCliArgs<T extends Options>(
  args: readonly string[],
  options: T,
  maxPositionals = 0,
): {
  values: ReturnType<
    typeof parseArgs<{ options: T & { help: { type: "boolean" } }; strict: true; allowPositionals: true }>
  >["values"];
  positionals: string[];
} {
  let result;
  try {
    result = parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (result.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${result.positionals[maxPositionals] ?? ""}"`);
  }
  return { values: result.values, positionals: result.positionals };
}

/** Parses a TCP port flag value. */
export function parsePortFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new UsageError(`${flag} must be a port number (0-65535)`);
  return port;
}
