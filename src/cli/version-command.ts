import { readFileSync } from "node:fs";
import type { CliIo } from "./cli-command.js";
import { defineCommand } from "./define-command.js";

let cached: string | undefined;

/**
 * drover's version, from package.json (read once; `src/cli/` and `dist/cli/` are both two levels
 * below the package root).
 */
export function droverVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return cached;
}

/** `drover version` (also `drover --version` / `-V`): prints `drover <version>`. */
export const versionCommand = defineCommand({
  words: ["version"],
  summary: "print drover's version (also --version, -V)",
  description: "Prints `drover <version>` (the version of the installed package).",
  flags: {},
  // eslint-disable-next-line @typescript-eslint/require-await -- the CliCommand contract is async
  async run(_input, io: CliIo): Promise<number> {
    io.stdout.write(`drover ${droverVersion()}\n`);
    return 0;
  },
});
