import { createSimulatorStarter } from "../app.js";
import { loadConfig, parseDurationMs, readProcessSettings, type LoadedConfig } from "../config/index.js";
import { ConfigError, formatConfigIssue, UsageError } from "../errors/index.js";
import { SecretScrubber } from "../log/index.js";
import type { CliIo } from "./cli-command.js";
import { createCliLogger } from "./cli-logger.js";
import { defineCommand } from "./define-command.js";
import { formatTargetCheck, resolveTargets } from "./resolve-targets.js";

/** Default bound on one environment's Rancher calls with --resolve. */
const DEFAULT_RESOLVE_TIMEOUT = "15s";

/** `drover config check [FILE] [--resolve]`. */
export const configCheckCommand = defineCommand({
  words: ["config", "check"],
  summary: "validate a mapping file (--resolve: and its targets in Rancher)",
  args: "[FILE]",
  maxPositionals: 1,
  description: `Validates a mapping file without starting drover: YAML syntax, unknown keys, types,
\${VAR} references (which must be set), rules naming undefined environments.

With --resolve it then looks up every distinct target of the rules in its environment's
Rancher (read-only): the project, the stack, the service and, for a sidekick target, the
service's secondary launch config of that name. One line per target:
  ok demo/shop/frontend → 1s1 (active, docker:registry.example.com/shop/frontend:1.0.0)
  FAIL prod/shop/api: service "api" not found in stack "shop" of environment "prod"
\`simulator:\` environments are checked against a fresh in-process simulator.`,
  argumentsHelp: [["FILE", "mapping file (default: $DROVER_CONFIG or config/drover.yml)"]],
  flags: {
    resolve: { type: "boolean", description: "also check that every target resolves in Rancher" },
    timeout: {
      type: "string",
      value: "DURATION",
      description: `with --resolve: bound on each environment's Rancher calls (default ${DEFAULT_RESOLVE_TIMEOUT})`,
    },
  },
  notes: `Exit codes: 0 valid (a one-line summary is printed) and, with --resolve, every target
resolves; 1 invalid (every problem is listed as file:line:col: path: message) or, with
--resolve, a target does not resolve (every target is still listed); 2 usage error.`,
  async run({ values, positionals }, io: CliIo): Promise<number> {
    if (values.timeout !== undefined && values.resolve !== true)
      throw new UsageError("--timeout only applies with --resolve");
    const timeoutText = values.timeout ?? DEFAULT_RESOLVE_TIMEOUT;
    const timeoutMs = parseDurationMs(timeoutText);
    if (timeoutMs === undefined || timeoutMs <= 0)
      throw new UsageError(`--timeout "${timeoutText}" is not a positive duration (e.g. 30s)`);
    const file = positionals[0] ?? readProcessSettings(io.env).DROVER_CONFIG;
    let loaded: LoadedConfig;
    try {
      loaded = loadConfig({ file, env: io.env });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues) io.stderr.write(`${formatConfigIssue(issue)}\n`);
      io.stderr.write(`${plural(error.issues.length, "problem")} found\n`);
      return 1;
    }
    const { config, hash } = loaded;
    const environments = Object.keys(config.environments).length;
    const rules = config.rules.length;
    const targets = config.rules.reduce((sum, rule) => sum + rule.targets.length, 0);
    io.stdout.write(
      `${file}: OK — ${plural(environments, "environment")}, ${plural(rules, "rule")}, ${plural(targets, "target")} (hash ${hash.slice(0, 12)})\n`,
    );
    if (values.resolve !== true) return 0;
    return resolveAll(file, loaded, timeoutMs, io);
  },
});

async function resolveAll(file: string, loaded: LoadedConfig, timeoutMs: number, io: CliIo): Promise<number> {
  const scrubber = new SecretScrubber();
  scrubber.setSecrets([
    ...loaded.secrets,
    ...Object.values(loaded.config.environments).flatMap((environment) =>
      "secretKey" in environment ? [environment.secretKey] : [],
    ),
  ]);
  // Quiet unless LOG_LEVEL asks: the per-target lines are the output.
  const settings = readProcessSettings(io.env);
  const level = io.env["LOG_LEVEL"] === undefined ? "silent" : settings.LOG_LEVEL;
  const logger = createCliLogger(io, settings, { level, scrubber, destination: io.stderr });
  const { checks, failed } = await resolveTargets({
    config: loaded.config,
    logger,
    startSimulator: createSimulatorStarter(file, logger),
    timeoutMs,
    timers: io.timers,
  });
  for (const check of checks) io.stdout.write(`${scrubber.scrub(formatTargetCheck(check))}\n`);
  if (failed === 0) {
    const summary =
      checks.length === 0
        ? "no targets to resolve"
        : checks.length === 1
          ? "the target resolves"
          : `all ${checks.length} targets resolve`;
    io.stdout.write(`${summary}\n`);
    return 0;
  }
  io.stderr.write(`${failed} of ${plural(checks.length, "target")} did not resolve\n`);
  return 1;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
