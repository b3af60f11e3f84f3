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
import { SecretScrubber } from "../log/index.js";
import {
  prepareManualDeployment,
  UnknownEnvironmentError,
  type FollowClock,
  type ManualDeployRequest,
} from "../operations/index.js";
import type { CliCommand, CliIo } from "./cli-command.js";
import { createCliLogger } from "./cli-logger.js";
import { defineCommand } from "./define-command.js";
import { createDeployProgress, type DeployProgress } from "./deploy-progress.js";

export interface DeployCommandOptions {
  /** What a test may set on the core the command builds (e.g. how it starts simulators). */
  readonly core?: Partial<Omit<CoreDeps, "configHolder" | "logger">>;
  /** The clock `--wait` polls the store on (default: the real one). */
  readonly clock?: FollowClock;
}

/** `drover deploy IMAGE:TAG --target …`: one deployment from the command line (CI without a server). */
export function createDeployCommand(options: DeployCommandOptions = {}): CliCommand {
  return defineCommand({
    words: ["deploy"],
    summary: "deploy one image to one target (no server needed)",
    args: "IMAGE:TAG[@DIGEST]",
    maxPositionals: 1,
    description: `Deploys one image to one target through drover's engine and store (no server needed).

Without --wait the deployment is recorded as queued in the store (storage.path) and a
"drover serve" sharing that database picks it up within seconds.`,
    flags: {
      target: {
        type: "string",
        value: "T",
        description:
          "required: environment/stack/service, or environment/stack/service/sidekick\n(each a name of letters, digits, _ . -, at most 128)",
      },
      config: {
        type: "string",
        value: "FILE",
        description: "mapping file (default: $DROVER_CONFIG or config/drover.yml)",
      },
      wait: {
        type: "boolean",
        description:
          "run the deployment here (or follow a drover serve sharing the database that\npicks it up first), print each phase as it happens (one live line on a\nterminal, one line per event when piped) and exit by its outcome",
      },
      timeout: {
        type: "string",
        value: "DURATION",
        description: "with --wait: give up waiting after this long (default 1h)",
      },
    },
    notes: `Exit codes: 0 succeeded (or skipped, or queued without --wait), 1 rolled-back, failed,
canceled or still running at --timeout, 2 usage error, 78 invalid config.`,
    async run({ values, positionals }, io: CliIo): Promise<number> {
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
      const logger = createCliLogger(io, settings, { level, scrubber, destination: io.stderr });
      const configHolder = new ConfigHolder({ initial, load: () => initial, logger });
      const core = createCore({
        ...options.core,
        configHolder,
        logger,
      });
      let progress: DeployProgress | undefined;
      try {
        if (values.wait !== true) {
          const queued = checkRequest(() => core.operations.deploy(request, { queueOnly: true }), file);
          io.stdout.write(
            `${new Date().toISOString()} ${queued.id} ${queued.state.padEnd(12)} queued ${queued.image}:${queued.tag} → ${queued.targetKey}; a running drover serve will pick it up\n`,
          );
          return 0;
        }
        progress = createDeployProgress(io);
        const print = progress.event;
        const submitted = checkRequest(() => core.operations.deploy(request), file);
        print(
          new Date().toISOString(),
          submitted.id,
          submitted.state,
          `queued ${submitted.image}:${submitted.tag} → ${submitted.targetKey}`,
        );
        // Follow the stored state, not this process's engine: a `drover serve` sharing the
        // database may pick the queued deployment up first and run it instead.
        const final = await core.operations
          .follow(
            submitted.id,
            {
              timeoutMs,
              afterSeq: core.operations.show(submitted.id).events.at(-1)?.seq ?? 0,
              onEvent: (event) => print(event.at, submitted.id, event.state, event.detail),
            },
            options.clock,
          )
          .finally(() => progress?.end());
        if (!isTerminal(final.state)) {
          io.stderr.write(
            `drover deploy: still ${final.state} after ${values.timeout ?? "1h"}; it will resume on the next start\n`,
          );
          return 1;
        }
        const reason = final.error === undefined ? "" : ` (${final.error.code}: ${final.error.message})`;
        const took = io.isTTY === true ? ` after ${progress.elapsed()}` : "";
        io.stdout.write(`${final.id} ${final.state}${reason}${took}\n`);
        return isSuccessful(final.state) ? 0 : 1;
      } finally {
        progress?.end();
        await core.close();
      }
    },
  });
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
