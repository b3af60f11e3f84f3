import { createCore } from "../app.js";
import { ConfigHolder, loadConfig, parseDurationMs, readProcessSettings } from "../config/index.js";
import { resolveSettings } from "../deploy/index.js";
import { isTerminal, splitImageReference, type Deployment, type DeployTarget } from "../domain/index.js";
import { UsageError } from "../errors/index.js";
import { createLogger, SecretScrubber } from "../log/index.js";
import { normalizeImage } from "../routing/index.js";
import type { CliCommand, CliIo } from "./cli-command.js";
import { parseCliArgs } from "./parse-cli-args.js";

const HELP = `Usage: drover deploy IMAGE:TAG[@DIGEST] --target ENV/STACK/SERVICE[/SIDEKICK] [--config FILE] [--wait] [--timeout DURATION]

Deploys one image to one target through drover's engine and store (no server needed).

Options:
  --target T          environment/stack/service, or environment/stack/service/sidekick
  --config FILE       mapping file (default: $DROVER_CONFIG or config/drover.yml)
  --wait              run the deployment here, print progress, and exit by its outcome
  --timeout DURATION  with --wait: give up waiting after this long (default 1h)
  -h, --help          show this help

Without --wait the deployment is recorded as queued in the store (storage.path) and a
"drover serve" sharing that database picks it up within seconds.

Exit codes: 0 succeeded (or skipped, or queued without --wait), 1 rolled-back, failed,
canceled or still running at --timeout, 2 usage error, 78 invalid config.`;

/** `drover deploy IMAGE:TAG --target …`: one deployment from the command line (CI without a server). */
export const deployCommand: CliCommand = {
  words: ["deploy"],
  summary: "deploy one image to one target",
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCliArgs(
      args,
      {
        target: { type: "string" },
        config: { type: "string" },
        wait: { type: "boolean" },
        timeout: { type: "string" },
      },
      1,
    );
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    const reference = parseReference(positionals[0]);
    const target = parseTarget(values.target);
    const timeoutMs = values.timeout === undefined ? 3_600_000 : parseDurationMs(values.timeout);
    if (timeoutMs === undefined)
      throw new UsageError(`--timeout "${values.timeout ?? ""}" is not a duration (e.g. 30m)`);
    const settings = readProcessSettings(io.env);
    const file = values.config ?? settings.DROVER_CONFIG;
    const initial = loadConfig({ file, env: io.env });
    const { config } = initial;
    if (!Object.hasOwn(config.environments, target.environment)) {
      throw new UsageError(`environment "${target.environment}" is not defined in ${file}`);
    }
    const scrubber = new SecretScrubber();
    scrubber.setSecrets(initial.secrets);
    const level = io.env["LOG_LEVEL"] === undefined ? "warn" : settings.LOG_LEVEL;
    const logger = createLogger({ level, scrubber, destination: io.stderr });
    const configHolder = new ConfigHolder({ initial, load: () => initial, logger });
    const print = (deployment: Deployment, detail: string): void => {
      io.stdout.write(
        `${new Date().toISOString()} ${deployment.id} ${deployment.state.padEnd(12)} ${detail}\n`,
      );
    };
    const core = createCore({
      configHolder,
      logger,
      ...(values.wait === true ? { onEvent: (deployment, event) => print(deployment, event.detail) } : {}),
    });
    try {
      const input = {
        target,
        image: reference.image,
        tag: reference.tag,
        ...(reference.digest === undefined ? {} : { digest: reference.digest }),
        source: "cli",
        settings: resolveSettings(config, target),
      };
      if (values.wait !== true) {
        const queued = core.store.create(input);
        print(
          queued,
          `queued ${reference.image}:${reference.tag} → ${queued.targetKey}; a running drover serve will pick it up`,
        );
        return 0;
      }
      const submitted = core.engine.submit(input);
      print(submitted, `queued ${reference.image}:${reference.tag} → ${submitted.targetKey}`);
      const [done] = await core.engine.waitForTerminal([submitted.id], timeoutMs);
      const final = done ?? submitted;
      if (!isTerminal(final.state)) {
        io.stderr.write(
          `drover deploy: still ${final.state} after ${values.timeout ?? "1h"}; it will resume on the next start\n`,
        );
        return 1;
      }
      const reason = final.error === undefined ? "" : ` (${final.error.code}: ${final.error.message})`;
      io.stdout.write(`${final.id} ${final.state}${reason}\n`);
      return final.state === "succeeded" || final.state === "skipped" ? 0 : 1;
    } finally {
      await core.close();
    }
  },
};

function parseReference(text: string | undefined): { image: string; tag: string; digest?: string } {
  if (text === undefined) throw new UsageError("IMAGE:TAG is required");
  const { image: name, tag, digest } = splitImageReference(text);
  if (tag === undefined) throw new UsageError(`"${text}" has no tag; write IMAGE:TAG`);
  if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new UsageError(`"${tag}" is not a valid tag`);
  if (text.includes("@") && (digest === undefined || !/^sha256:[a-f0-9]{64}$/.test(digest)))
    throw new UsageError(`"${digest ?? ""}" is not a sha256 digest`);
  let image: string;
  try {
    image = normalizeImage(name).name;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return digest === undefined ? { image, tag } : { image, tag, digest };
}

function parseTarget(text: string | undefined): DeployTarget {
  const parts = (text ?? "").split("/");
  if (text === undefined || parts.length < 3 || parts.length > 4 || parts.some((part) => part === "")) {
    throw new UsageError("--target must be ENVIRONMENT/STACK/SERVICE or ENVIRONMENT/STACK/SERVICE/SIDEKICK");
  }
  const [environment = "", stack = "", service = "", sidekick] = parts;
  return sidekick === undefined ? { environment, stack, service } : { environment, stack, service, sidekick };
}
