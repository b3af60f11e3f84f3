import { dirname, isAbsolute, resolve } from "node:path";
import type { Express } from "express";
import type { Logger } from "pino";
import type { ConfigHolder } from "./config/index.js";
import { DeploymentEngine, RancherPool, type DeployContext, type SimulatorStarter } from "./deploy/index.js";
import { readFileSync } from "node:fs";
import { ConfigError } from "./errors/index.js";
import type { Config } from "./config/index.js";
import { ingestPushes } from "./deploy/index.js";
import { createAdminRoutes, createHttpApp, createMetricsRoutes, createWebhookRoutes } from "./http/index.js";
import { createMetrics, webhookOutcome, type Metrics } from "./metrics/index.js";
import { NotificationDispatcher, createNotifiers, type NotificationOutcome } from "./notify/index.js";
import { NOTIFIER_KINDS, type NotifierKind } from "./notify/index.js";
import { createSources, SOURCES, type Source } from "./sources/index.js";
import { createRancherSimulator } from "./simulator/index.js";
import { openStore, type DeploymentStore } from "./store/index.js";
import { isTerminal, targetName } from "./domain/index.js";

export interface CoreDeps {
  readonly configHolder: ConfigHolder;
  readonly logger: Logger;
  /** Starts in-process simulators for `simulator:` environments. */
  readonly startSimulator?: SimulatorStarter;
  /** Epoch ms; tests may pass a controlled clock. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
  /** Interval between health checks while verifying (default 1 s). */
  readonly verifyIntervalMs?: number;
  /** Overrides `storage.path` (tests use `:memory:`). */
  readonly storePath?: string;
  readonly concurrency?: number;
  /** Called after every persisted deployment change (progress output). */
  readonly onEvent?: DeployContext["onEvent"];
  /** Every Rancher HTTP exchange: call kind and outcome (`ok`, `http_<status>`, `network`). */
  readonly onRancherCall?: (kind: string, outcome: string) => void;
  /** Every notification delivery's final outcome. */
  readonly onNotification?: (kind: NotifierKind, outcome: NotificationOutcome) => void;
}

/** The deployment machinery without HTTP: what `serve` and `drover deploy` share. */
export interface Core {
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly pool: RancherPool;
  /** Sends the `notifications:` of the config in force on deployment transitions. */
  readonly notifications: NotificationDispatcher;
  close(): Promise<void>;
}

const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Builds store, Rancher pool and engine from the config in force. */
export function createCore(deps: CoreDeps): Core {
  const { configHolder, logger } = deps;
  const config = configHolder.current.config;
  const now = deps.now ?? Date.now;
  const store = openStore({ path: deps.storePath ?? config.storage.path, now });
  const pool = new RancherPool({
    environments: () => configHolder.current.config.environments,
    logger,
    startSimulator: deps.startSimulator ?? createSimulatorStarter(configHolder.current.file, logger),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    ...(deps.onRancherCall === undefined ? {} : { onCall: deps.onRancherCall }),
  });
  const engine = new DeploymentEngine(
    {
      store,
      rancher: (environment) => pool.get(environment),
      logger,
      now,
      sleep: deps.sleep ?? realSleep,
      fetch: deps.fetch ?? fetch,
      ...(deps.verifyIntervalMs === undefined ? {} : { verifyIntervalMs: deps.verifyIntervalMs }),
      ...(deps.onEvent === undefined ? {} : { onEvent: deps.onEvent }),
    },
    deps.concurrency,
  );
  const notifierDeps = { fetch: deps.fetch ?? fetch, now };
  const notifications = new NotificationDispatcher({
    setup: createNotifiers(config.notifications, notifierDeps),
    logger,
    now,
    ...(deps.onNotification === undefined ? {} : { onResult: deps.onNotification }),
  });
  const unsubscribeConfig = configHolder.subscribe((next) => {
    notifications.configure(createNotifiers(next.config.notifications, notifierDeps));
  });
  // Synchronous and never throws: a slow or failing channel cannot hold up a deployment.
  const unsubscribeEngine = engine.onTransition((deployment) => notifications.handleTransition(deployment));
  let closed = false;
  return {
    store,
    engine,
    pool,
    notifications,
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribeConfig();
      await engine.close();
      unsubscribeEngine();
      // Terminal notifications of deployments that just ended get a bounded chance to go out.
      await notifications.close();
      await pool.close();
      store.close();
    },
  };
}

/**
 * Starts in-process simulators for `simulator:` environments: `default` is the built-in seed,
 * anything else a seed file (relative paths are relative to the config file's folder).
 */
export function createSimulatorStarter(configFile: string, logger: Logger): SimulatorStarter {
  return async (seed, timeScale) => {
    const seedFile =
      seed === "default" ? undefined : isAbsolute(seed) ? seed : resolve(dirname(configFile), seed);
    const simulator = await createRancherSimulator({
      timeScale,
      logger, // the simulator binds its own component ("rancher-simulator")
      ...(seedFile === undefined ? {} : { seedFile }),
    });
    logger.info({ url: simulator.url, seed, timeScale }, "in-process Rancher simulator started");
    return simulator;
  };
}

/** The webhook sources the config enables (a CI public key file is read relative to the config file). */
function buildSources(config: Config, configFile: string): ReadonlyMap<string, Source> {
  const keyFile = config.sources.ci?.jwtPublicKeyFile;
  if (keyFile === undefined) return createSources(config.sources);
  const path = isAbsolute(keyFile) ? keyFile : resolve(dirname(configFile), keyFile);
  let publicKeyText: string;
  try {
    publicKeyText = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "read error";
    throw new ConfigError([
      {
        file: configFile,
        path: "sources.ci.jwtPublicKeyFile",
        message: `cannot read the public key file ${path} (${code})`,
        hint: "To resolve, point jwtPublicKeyFile at a readable PEM public key file (relative paths are relative to the config file)",
      },
    ]);
  }
  return createSources(config.sources, { publicKeyText });
}

export interface AppDeps extends CoreDeps {
  /** Bearer token of the admin API (`DROVER_ADMIN_TOKEN`); without it `/api/*` refuses every call. */
  readonly adminToken?: string;
  /**
   * Aborted when the process starts shutting down: responses then close their connection, and
   * requests waiting on deployments (`?wait=`) answer at once.
   */
  readonly draining?: AbortSignal;
}

export interface App {
  /** The express app (not listening; `serve` or supertest attach it to a server). */
  readonly http: Express;
  readonly core: Core;
  /** What `GET /metrics` exposes; `serve` reports config reloads into it. */
  readonly metrics: Metrics;
  /** Resumes deployments left unfinished by a previous run (product spec §3.1). */
  start(): Promise<void>;
  /** True once every component is ready (what `/readyz` reports). */
  isReady(): boolean;
  /** Stops the engine (running deployments stay resumable), closes Rancher connections and the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * Composition root: builds every component from the config and wires them together.
 * Nothing here listens or reads `process.env`; `serve` does that.
 */
export function createApp(deps: AppDeps): App {
  const { configHolder, logger } = deps;
  let engineStats = (): { queued: number; inFlight: number } => ({ queued: 0, inFlight: 0 });
  const metrics = createMetrics({
    engineStats: () => engineStats(),
    configStatus: () => configHolder.status(),
    sources: SOURCES.map((source) => source.name),
    notifiers: NOTIFIER_KINDS,
  });
  const core = createCore({
    ...deps,
    onRancherCall: (kind, outcome) => {
      metrics.rancherCall(kind, outcome);
      deps.onRancherCall?.(kind, outcome);
    },
    onNotification: (kind, outcome) => {
      metrics.notificationResult(kind, outcome);
      deps.onNotification?.(kind, outcome);
    },
  });
  engineStats = () => core.engine.stats();
  core.engine.onTransition((deployment) => {
    if (!isTerminal(deployment.state)) return;
    try {
      metrics.deploymentFinished(deployment, core.store.events(deployment.id));
    } catch (error) {
      logger.warn({ err: error, deploymentId: deployment.id }, "deployment metrics not recorded");
    }
  });
  const closing = new AbortController();
  const shutdown =
    deps.draining === undefined ? closing.signal : AbortSignal.any([deps.draining, closing.signal]);
  const closed = (): boolean => closing.signal.aborted;
  const readinessChecks = [
    { name: "config", check: () => !closed() },
    { name: "store", check: () => !closed() && core.store.isHealthy() },
  ];
  const now = deps.now ?? Date.now;
  const config = (): Config => configHolder.current.config;
  let sources = buildSources(configHolder.current.config, configHolder.current.file);
  configHolder.subscribe((next, previous) => {
    const needRestart = restartOnlyChanges(previous.config, next.config);
    if (needRestart.length > 0) {
      logger.warn(
        { keys: needRestart },
        "config reloaded, but these settings take effect only after a restart; the running values stay",
      );
    }
    try {
      sources = buildSources(next.config, next.file);
    } catch (error) {
      logger.error({ err: error }, "webhook sources not rebuilt after reload; keeping the previous ones");
    }
  });
  const serverConfig = config().server;
  const webhooks = createWebhookRoutes({
    sources: () => sources,
    context: {
      now: () => new Date(now()),
      claimTokenId: (jti, expiresAt) => core.store.claimTokenId(jti, expiresAt),
    },
    ingest: (_source, delivery, caller, reqId) => {
      const outcome = ingestPushes(
        { store: core.store, engine: core.engine, config },
        delivery.pushes,
        caller.scope,
        reqId,
      );
      return {
        deployments: outcome.deployments.map((deployment) => ({
          id: deployment.id,
          state: deployment.state,
          target: targetName(deployment),
          image: `${deployment.image}:${deployment.tag}`,
        })),
        ...(outcome.ignored === undefined ? {} : { ignored: outcome.ignored }),
        duplicate: outcome.duplicate,
      };
    },
    bodyLimitBytes: serverConfig.bodyLimit,
    rateLimit: { windowMs: serverConfig.rateLimit.window, limit: serverConfig.rateLimit.max },
    // `POST /hooks/ci?wait=`: a waiting request answers 503 as soon as SIGTERM starts draining or
    // app.close() runs, so graceful shutdown is not held for the whole wait.
    wait: {
      engine: core.engine,
      store: core.store,
      shutdown,
    },
  });
  const http = createHttpApp({
    logger,
    trustProxy: serverConfig.trustProxy,
    routers: [
      createMetricsRoutes({
        render: () => metrics.render(),
        onWebhookResult: (source, status, ingested) =>
          metrics.webhookReceived(source, ingested ?? webhookOutcome(status)),
      }),
      webhooks,
      createAdminRoutes({
        store: core.store,
        engine: core.engine,
        config,
        configStatus: () => configHolder.status(),
        adminToken: deps.adminToken,
        readOpen: () => config().admin.readOpen,
        bodyLimitBytes: serverConfig.bodyLimit,
      }),
    ],
    readinessChecks,
    readinessDetails: () => {
      const status = configHolder.status();
      return {
        config: {
          hash: status.hash,
          loadedAt: status.loadedAt,
          reloads: status.reloads,
          rejectedReloads: status.rejectedReloads,
        },
        engine: core.engine.stats(),
      };
    },
    ...(deps.draining === undefined ? {} : { isDraining: () => deps.draining?.aborted === true }),
  });
  return {
    http,
    core,
    metrics,
    start: () => core.engine.recover(),
    isReady: () => readinessChecks.every((item) => item.check()),
    close: async () => {
      closing.abort();
      await core.close();
    },
  };
}

/**
 * Settings read once at start (the listener, body limit, rate limiter, trust proxy, the database):
 * a reload that changes them is applied everywhere else and logged as needing a restart.
 */
export function restartOnlyChanges(previous: Config, next: Config): string[] {
  const changed: string[] = [];
  for (const key of Object.keys(next.server) as (keyof Config["server"])[]) {
    if (JSON.stringify(previous.server[key]) !== JSON.stringify(next.server[key]))
      changed.push(`server.${key}`);
  }
  if (previous.storage.path !== next.storage.path) changed.push("storage.path");
  return changed;
}
