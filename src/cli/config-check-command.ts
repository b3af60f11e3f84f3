import { loadConfig, readProcessSettings } from "../config/index.js";
import { ConfigError, formatConfigIssue } from "../errors/index.js";
import type { CliCommand, CliIo } from "./cli-command.js";
import { parseCliArgs } from "./parse-cli-args.js";

const HELP = `Usage: drover config check [FILE]

Validates a mapping file without starting drover: YAML syntax, unknown keys, types,
\${VAR} references (which must be set), rules naming undefined environments.

Arguments:
  FILE         mapping file (default: $DROVER_CONFIG or config/drover.yml)

Options:
  -h, --help   show this help

Exit codes: 0 valid (a one-line summary is printed), 1 invalid (every problem is listed
as file:line:col: path: message), 2 usage error.`;

/** `drover config check [FILE]`. */
export const configCheckCommand: CliCommand = {
  words: ["config", "check"],
  summary: "validate a mapping file",
  help: HELP,
  // eslint-disable-next-line @typescript-eslint/require-await -- the CliCommand contract is async
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCliArgs(args, {}, 1);
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    try {
      const file = positionals[0] ?? readProcessSettings(io.env).DROVER_CONFIG;
      const { config, hash } = loadConfig({ file, env: io.env });
      const environments = Object.keys(config.environments).length;
      const rules = config.rules.length;
      const targets = config.rules.reduce((sum, rule) => sum + rule.targets.length, 0);
      io.stdout.write(
        `${file}: OK — ${plural(environments, "environment")}, ${plural(rules, "rule")}, ${plural(targets, "target")} (hash ${hash.slice(0, 12)})\n`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues) io.stderr.write(`${formatConfigIssue(issue)}\n`);
      io.stderr.write(`${plural(error.issues.length, "problem")} found\n`);
      return 1;
    }
  },
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
