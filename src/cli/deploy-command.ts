import { createCore, type CoreDeps } from "../app.js";
import { ConfigHolder, loadConfig, parseDurationMs, readProcessSettings } from "../config/index.js";
import {
  isSuccessful,
  isTerminal,
  parseImageReference,
  parseTargetText,
  type DeployTarget,
} from "../domain/index.js";
import { PayloadInvalidError, UsageError } from "../errors/index.js";
import { createLogger, SecretScrubber } from "../log/index.js";
import {
  prepareManualDeployment,
  UnknownEnvironmentError,
  type FollowClock,
  type ManualDeployRequest,
} from "../operations/index.js";
import type { CliCommand, CliIo } from "./cli-command.js";
import { parseCliArgs } from "./parse-cli-args.js";

const HELP = `Usage: drover deploy IMAGE:TAG[@DIGEST] --target ENV/STACK/SERVICE[/SIDEKICK] [--config FILE] [--wait] [--timeout DURATION]

Deploys one image to one target through drover's engine and store (no server needed).

Options:
  --target T          environment/stack/service, or environment/stack/service/sidekick
                      (each a name of letters, digits, _ . -, at most 128)
  --config FILE       mapping file (default: $DROVER_CONFIG or config/drover.yml)
  --wait              run the deployment here (or follow a drover serve sharing the
                      database that picks it up first), print its stored progress,
                      and exit by its outcome
  --timeout DURATION  with --wait: give up waiting after this long (default 1h)
  -h, --help          show this help

Without --wait the deployment is recorded as queued in the store (storage.path) and a
"drover serve" sharing that database picks it up within seconds.

Exit codes: 0 succeeded (or skipped, or queued without --wait), 1 rolled-back, failed,
canceled or still running at --timeout, 2 usage error, 78 invalid config.`;

export interface DeployCommandOptions {
  /** What a test may set on the core the command builds (e.g. how it starts simulators). */
  readonly core?: Partial<Omit<CoreDeps, "configHolder" | "logger">>;
  /** The clock `--wait` polls the store on (default: the real one). */
  readonly clock?: FollowClock;
}

/** `drover deploy IMAGE:TAG --target …`: one deployment from the command line (CI without a server). */
export function createDeployCommand(options: DeployCommandOptions = {}): CliCommand {
  return {
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
      const request: ManualDeployRequest = { target, ...reference, source: "cli" };
      // Checked before the store is opened: a usage error leaves nothing behind.
      checkRequest(() => prepareManualDeployment(initial.config, request), file);
      const scrubber = new SecretScrubber();
      scrubber.setSecrets(initial.secrets);
      const level = io.env["LOG_LEVEL"] === undefined ? "warn" : settings.LOG_LEVEL;
      const logger = createLogger({ level, scrubber, destination: io.stderr });
      const configHolder = new ConfigHolder({ initial, load: () => initial, logger });
      const print = (at: string, id: string, state: string, detail: string): void => {
        io.stdout.write(`${at} ${id} ${state.padEnd(12)} ${detail}\n`);
      };
      const core = createCore({
        ...options.core,
        configHolder,
        logger,
      });
      try {
        if (values.wait !== true) {
          const queued = checkRequest(() => core.operations.deploy(request, { queueOnly: true }), file);
          print(
            new Date().toISOString(),
            queued.id,
            queued.state,
            `queued ${queued.image}:${queued.tag} → ${queued.targetKey}; a running drover serve will pick it up`,
          );
          return 0;
        }
        const submitted = checkRequest(() => core.operations.deploy(request), file);
        print(
          new Date().toISOString(),
          submitted.id,
          submitted.state,
          `queued ${submitted.image}:${submitted.tag} → ${submitted.targetKey}`,
        );
        // Follow the stored state, not this process's engine: a `drover serve` sharing the
        // database may pick the queued deployment up first and run it instead.
        const final = await core.operations.follow(
          submitted.id,
          {
            timeoutMs,
            afterSeq: core.operations.show(submitted.id).events.at(-1)?.seq ?? 0,
            onEvent: (event) => print(event.at, submitted.id, event.state, event.detail),
          },
          options.clock,
        );
        if (!isTerminal(final.state)) {
          io.stderr.write(
            `drover deploy: still ${final.state} after ${values.timeout ?? "1h"}; it will resume on the next start\n`,
          );
          return 1;
        }
        const reason = final.error === undefined ? "" : ` (${final.error.code}: ${final.error.message})`;
        io.stdout.write(`${final.id} ${final.state}${reason}\n`);
        return isSuccessful(final.state) ? 0 : 1;
      } finally {
        await core.close();
      }
    },
  };
}

export const deployCommand: CliCommand = createDeployCommand();

/** `IMAGE:TAG[@DIGEST]` → the normalised name, tag and digest, checked like the admin API checks them. */
function parseReference(text: string | undefined): Pick<ManualDeployRequest, "image" | "tag" | "digest"> {
  if (text === undefined) throw new UsageError("IMAGE:TAG is required");
  const parsed = parseImageReference(text);
  if (!parsed.ok) {
    switch (parsed.part) {
      case "name":
        throw new UsageError(`invalid image name "${parsed.written.slice(0, 100)}": ${parsed.problem}`);
      case "tag":
        throw new UsageError(`"${parsed.written}" is not a valid tag`);
      case "digest":
        throw new UsageError(`"${parsed.written}" is not a sha256 digest`);
    }
  }
  const { name, tag, digest } = parsed.value;
  if (tag === undefined) throw new UsageError(`"${text}" has no tag; write IMAGE:TAG`);
  return digest === undefined ? { image: name, tag } : { image: name, tag, digest };
}

/** `--target` → the target, with the grammar the admin API and the mapping file use. */
function parseTarget(text: string | undefined): DeployTarget {
  const usage = "--target must be ENVIRONMENT/STACK/SERVICE or ENVIRONMENT/STACK/SERVICE/SIDEKICK";
  if (text === undefined) throw new UsageError(usage);
  const parsed = parseTargetText(text);
  if (!parsed.ok) throw new UsageError(`${usage}: ${parsed.problem}`);
  return parsed.value;
}

/** Runs a deploy operation, turning what it refuses into usage errors (exit 2). */
function checkRequest<T>(operation: () => T, file: string): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof UnknownEnvironmentError)
      throw new UsageError(`environment "${error.environment}" is not defined in ${file}`);
    if (error instanceof PayloadInvalidError) throw new UsageError(error.message);
    throw error;
  }
}
