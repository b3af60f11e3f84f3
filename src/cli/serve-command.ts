import { readFileSync } from "node:fs";
import { createApp } from "../app.js";
import {
  ConfigHolder,
  loadConfig,
  readAdminToken,
  readProcessSettings,
  watchConfigFile,
  type LoadedConfig,
} from "../config/index.js";
import { closeServerGracefully, createHttpServer, listen } from "../http/index.js";
import { SecretScrubber } from "../log/index.js";
import { acquireProcessLock, StoreLockedError, type ProcessLock } from "../store/index.js";
import type { CliIo } from "./cli-command.js";
import { createCliLogger } from "./cli-logger.js";
import { defineCommand } from "./define-command.js";
import { logStartup } from "./serve-startup.js";
import { parsePortFlag } from "./parse-cli-args.js";

export const EXIT_CONFIG = 78;
/** Another `drover serve` holds the database (EX_TEMPFAIL: try again once it has stopped). */
export const EXIT_STORE_LOCKED = 75;
/** How often `serve` looks for deployments queued by other processes (`drover deploy` without --wait). */
const STORE_POLL_MS = 2_000;

/** `drover serve`: loads the config, listens, reloads on change/SIGHUP, drains on SIGTERM. */
export const serveCommand = defineCommand({
  words: ["serve"],
  summary: "run the daemon",
  description: "Runs the drover daemon: webhook endpoints, admin API, deployment engine.",
  flags: {
    config: {
      type: "string",
      value: "FILE",
      description: "mapping file (default: $DROVER_CONFIG or config/drover.yml)",
    },
    port: {
      type: "string",
      value: "N",
      description: "listen port (default: $DROVER_PORT, then server.port, then 8090)",
    },
    host: {
      type: "string",
      value: "H",
      description: "listen address (default: $DROVER_HOST, then server.host, then 0.0.0.0)",
    },
  },
  notes: `Signals: SIGHUP reloads the config; SIGTERM/SIGINT stop gracefully.
Only one serve may use a database: a second one on the same storage.path exits 75, naming
the lock file (<storage.path>.lock) and the pid holding it. A killed serve holds nothing.

Logs: human-readable and coloured when stdout is a terminal (NO_COLOR turns colours off), JSON
lines otherwise; LOG_FORMAT=json or LOG_FORMAT=pretty chooses.

Exit codes: 0 stopped cleanly, 1 runtime failure, 2 usage error, 75 database in use by
another serve, 78 invalid config.`,
  async run({ values }, io: CliIo): Promise<number> {
    const portFlag = parsePortFlag(values.port, "--port");
    const settings = readProcessSettings(io.env);
    const file = values.config ?? settings.DROVER_CONFIG;

    const scrubber = new SecretScrubber();
    const logger = createCliLogger(io, settings, {
      level: settings.LOG_LEVEL,
      scrubber,
      destination: io.stdout,
    });
    const load = (): LoadedConfig => loadConfig({ file, env: io.env });
    const initial = load();
    scrubber.setSecrets(initial.secrets);
    const configHolder = new ConfigHolder({ initial, load, logger });
    configHolder.subscribe((next) => scrubber.addSecrets(next.secrets));

    // One serve per database: taken before the store is opened, held until serve ends.
    let lock: ProcessLock;
    try {
      lock = acquireProcessLock(initial.config.storage.path);
    } catch (error) {
      if (!(error instanceof StoreLockedError)) throw error;
      logger.fatal({ lockFile: error.lockFile, holderPid: error.holderPid }, "database in use");
      io.stderr.write(`drover: ${error.message}\n`);
      return EXIT_STORE_LOCKED;
    }
    try {
      const draining = new AbortController();
      const adminToken = readAdminToken(settings, (path) => readFileSync(path, "utf8"));
      if (adminToken !== undefined) scrubber.addSecrets([adminToken]);
      const app = createApp({
        configHolder,
        logger,
        draining: draining.signal,
        ...(adminToken === undefined ? {} : { adminToken }),
      });
      const { server: serverConfig } = initial.config;
      const server = createHttpServer(app.http, {
        headersTimeoutMs: serverConfig.headersTimeout,
        requestTimeoutMs: serverConfig.requestTimeout,
      });
      const host = values.host ?? settings.DROVER_HOST ?? serverConfig.host;
      const signals = io.signals ?? process;
      let stopWatching = (): void => undefined;
      let resolveStopped: (code: number) => void = () => undefined;
      const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));
      const reload = (trigger: "signal" | "file"): void => {
        app.metrics.configReloaded(configHolder.reload(trigger).outcome);
      };
      const onHup = (): void => reload("signal");
      const onStop = (signal: string): void => {
        if (draining.signal.aborted) return;
        draining.abort();
        logger.info({ signal }, "shutting down");
        signals.off("SIGHUP", onHup);
        stopWatching();
        void (async () => {
          const inTime = await closeServerGracefully(server, serverConfig.shutdownGrace);
          await app.close();
          logger.info({ inTime }, "stopped");
          resolveStopped(0);
        })();
      };
      // Handlers first, so a signal that arrives during start-up is not lost.
      signals.on("SIGHUP", onHup);
      signals.on("SIGTERM", () => onStop("SIGTERM"));
      signals.on("SIGINT", () => onStop("SIGINT"));

      logStartup(logger, initial.config, {
        tokenSet: adminToken !== undefined,
        readOpen: initial.config.admin.readOpen,
      });
      const port = await listen(server, portFlag ?? settings.DROVER_PORT ?? serverConfig.port, host);
      // What Rancher runs for each target is watched from the start, recovery or not.
      app.core.targets.start();
      await app.start();
      app.core.engine.watchStore(STORE_POLL_MS);
      stopWatching = watchConfigFile(file, () => reload("file"));
      logger.info({ host, port, configHash: initial.hash }, "listening");
      return await stopped;
    } finally {
      lock.release();
    }
  },
});
