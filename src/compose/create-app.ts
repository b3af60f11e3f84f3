import type { Express } from "express";
import { readCiPublicKey, warnRestartOnlyChanges, type Config } from "../config/index.js";
import { isTerminal, realTimers, type Timers } from "../domain/index.js";
import {
  createAdminRoutes,
  createDashboardRoutes,
  createEventRoutes,
  createHttpApp,
  createMetricsRoutes,
  createWebhookRoutes,
  type EventStreamLimits,
} from "../http/index.js";
import { createMetrics, webhookOutcome, type Metrics } from "../metrics/index.js";
import { NOTIFIER_KINDS } from "../notify/index.js";
import { createSources, SOURCES, type Source } from "../sources/index.js";
import { createCore, type Core, type CoreDeps } from "./create-core.js";

export interface AppDeps extends CoreDeps {
  /** Bearer token of the admin API (`DROVER_ADMIN_TOKEN`); without it `/api/*` refuses every call. */
  readonly adminToken?: string;
  /**
   * Aborted when the process starts shutting down: responses then close their connection, and
   * requests waiting on deployments (`?wait=`) answer at once.
   */
  readonly draining?: AbortSignal;
  /** The timers of the event streams' heartbeat (default Node's; tests pass a manual clock). */
  readonly eventStreamTimers?: Timers;
  /** Bounds of `GET /api/events` (defaults: `DEFAULT_EVENT_STREAM_LIMITS`). */
  readonly eventStreamLimits?: Partial<EventStreamLimits>;
}

export interface App {
  /** The express app (not listening; `serve` or supertest attach it to a server). */
  readonly http: Express;
  readonly core: Core;
  /** What `GET /metrics` exposes; `serve` reports config reloads into it. */
  readonly metrics: Metrics;
  /** Resumes deployments left unfinished by a previous run (see `docs/ARCHITECTURE.md`, recovery). */
  start(): Promise<void>;
  /** True once every component is ready (what `/readyz` reports). */
  isReady(): boolean;
  /** Stops the engine (running deployments stay resumable), closes Rancher connections and the store. Idempotent. */
  close(): Promise<void>;
}

/** The webhook sources the config enables (with the CI public key file's text, when it names one). */
function buildSources(config: Config, configFile: string): ReadonlyMap<string, Source> {
  const publicKeyText = readCiPublicKey(config, configFile);
  return createSources(config.sources, publicKeyText === undefined ? {} : { publicKeyText });
}

/**
 * Composition root: builds every component from the config and wires them together.
 * Nothing here listens or reads `process.env`; `serve` does that.
 */
export function createApp(deps: AppDeps): App {
  const { configHolder, logger } = deps;
  let engineStats = (): { queued: number; inFlight: number } => ({ queued: 0, inFlight: 0 });
  let openStreams = (): number => 0;
  const metrics = createMetrics({
    engineStats: () => engineStats(),
    eventStreams: () => openStreams(),
    configStatus: () => configHolder.status(),
    sources: SOURCES.map((source) => source.name),
    notifiers: NOTIFIER_KINDS,
  });
  const closing = new AbortController();
  // `POST /hooks/ci?wait=`: a waiting request answers 503 as soon as SIGTERM starts draining or
  // app.close() runs, so graceful shutdown is not held for the whole wait.
  const shutdown =
    deps.draining === undefined ? closing.signal : AbortSignal.any([deps.draining, closing.signal]);
  const core = createCore({
    ...deps,
    shutdown,
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
  const closed = (): boolean => closing.signal.aborted;
  const readinessChecks = [
    { name: "config", check: () => !closed() },
    { name: "store", check: () => !closed() && core.store.isHealthy() },
  ];
  const now = deps.now ?? Date.now;
  const config = (): Config => configHolder.current.config;
  let sources = buildSources(configHolder.current.config, configHolder.current.file);
  configHolder.subscribe((next, previous) => {
    warnRestartOnlyChanges(logger, previous.config, next.config);
    try {
      sources = buildSources(next.config, next.file);
    } catch (error) {
      logger.error({ err: error }, "webhook sources not rebuilt after reload; keeping the previous ones");
    }
  });
  const serverConfig = config().server;
  const { operations } = core;
  const adminAuth = { adminToken: deps.adminToken, readOpen: () => config().admin.readOpen };
  const eventRoutes = createEventRoutes({
    ...adminAuth,
    events: operations.events,
    timers: deps.eventStreamTimers ?? realTimers,
    shutdown,
    limits: deps.eventStreamLimits,
    onDrop: () => metrics.eventStreamDropped(),
  });
  openStreams = () => eventRoutes.openStreams();
  const http = createHttpApp({
    logger,
    trustProxy: serverConfig.trustProxy,
    routers: [
      createMetricsRoutes({
        render: () => metrics.render(),
        onWebhookResult: (source, status, ingested) =>
          metrics.webhookReceived(source, ingested ?? webhookOutcome(status)),
      }),
      createWebhookRoutes({
        sources: () => sources,
        context: {
          now: () => new Date(now()),
          claimTokenId: (jti, expiresAt) => core.store.claimTokenId(jti, expiresAt),
        },
        ingest: operations.ingest,
        wait: operations.wait,
        bodyLimitBytes: serverConfig.bodyLimit,
        rateLimit: { windowMs: serverConfig.rateLimit.window, limit: serverConfig.rateLimit.max },
      }),
      eventRoutes.router,
      createAdminRoutes({
        operations,
        ...adminAuth,
        bodyLimitBytes: serverConfig.bodyLimit,
      }),
      createDashboardRoutes(),
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
