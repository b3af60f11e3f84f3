import type { Logger } from "pino";
import type { ConfigHolder } from "../config/index.js";
import {
  DeploymentEngine,
  monitoredTargets,
  RancherPool,
  TargetMonitor,
  type DeployContext,
  type SimulatorStarter,
} from "../deploy/index.js";
import { NotificationDispatcher, createNotifiers, type NotificationOutcome } from "../notify/index.js";
import { isTerminal, realTimers, sleepOn, type RancherView, type Timers } from "../domain/index.js";
import type { NotifierKind } from "../notify/index.js";
import {
  createLiveEvents,
  createOperations,
  showTarget,
  type Operations,
  type TargetChangeSource,
} from "../operations/index.js";
import { openStore, type DeploymentStore } from "../store/index.js";
import { createSimulatorStarter } from "./simulator-starter.js";

export interface CoreDeps {
  readonly configHolder: ConfigHolder;
  readonly logger: Logger;
  /** Starts in-process simulators for `simulator:` environments. */
  readonly startSimulator?: SimulatorStarter;
  /** Epoch ms; tests may pass a controlled clock. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The timers the time limit of `?wait=` runs on (default Node's; tests pass a manual clock). */
  readonly waitTimers?: Timers;
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
  /** Aborts when the process starts shutting down: operations waiting on deployments end at once. */
  readonly shutdown?: AbortSignal;
  /** The timers the target monitor polls and debounces on (default Node's; tests pass a manual clock). */
  readonly monitorTimers?: Timers;
  /** Overrides the source of `target` events of `/api/events` (default: the target monitor). */
  readonly targetChanges?: TargetChangeSource;
}

/** The deployment machinery without HTTP: what `serve` and `drover deploy` share. */
export interface Core {
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly pool: RancherPool;
  /**
   * What Rancher runs for every target (`GET /api/targets`, live `target` events). Idle until
   * `targets.start()` (`serve` starts it); closed by `close()` before the pool.
   */
  readonly targets: TargetMonitor;
  /** Sends the `notifications:` of the config in force on deployment transitions. */
  readonly notifications: NotificationDispatcher;
  /** The use cases over this store, engine and config (`serve`'s routes, `drover deploy`). */
  readonly operations: Operations;
  close(): Promise<void>;
}

const realSleep = (ms: number): Promise<void> => sleepOn(realTimers, ms);

/** Builds store, Rancher pool and engine from the config in force. */
export function createCore(deps: CoreDeps): Core {
  const { configHolder, logger } = deps;
  const config = configHolder.current.config;
  const now = deps.now ?? Date.now;
  const store = openStore({
    path: deps.storePath ?? config.storage.path,
    now,
    onListenerError: (error) => logger.error({ err: error }, "event feed listener failed"),
  });
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
  const targets = new TargetMonitor({
    targets: () => monitoredTargets(configHolder.current.config, store),
    environments: () => configHolder.current.config.environments,
    connect: (environment) => pool.get(environment),
    subscribeConfig: (listener) => configHolder.subscribe(() => listener()),
    timers: deps.monitorTimers ?? realTimers,
    logger,
  });
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
  // A deployment's own changes arrive by the change feed; this catches a target the monitor does
  // not watch yet (its first deployment) and environments without a feed.
  const unsubscribeMonitor = engine.onTransition((deployment) => {
    if (isTerminal(deployment.state) || deployment.state === "queued")
      void targets.refresh(deployment.targetKey);
  });
  const closing = new AbortController();
  const events = createLiveEvents({
    store,
    targets: deps.targetChanges ?? targets,
    // The same view `GET /api/targets` lists.
    presentTarget: (key, view) =>
      showTarget(
        { store, config: () => configHolder.current.config, targets: { view: () => view as RancherView } },
        key,
      ) ?? { target: key, rancher: view },
    config: configHolder,
    onError: (error) => logger.error({ err: error }, "live event not delivered"),
  });
  const operations = createOperations({
    events,
    store,
    engine,
    config: () => configHolder.current.config,
    configStatus: () => configHolder.status(),
    targets,
    shutdown: AbortSignal.any([closing.signal, ...(deps.shutdown === undefined ? [] : [deps.shutdown])]),
    now,
    sleep: deps.sleep ?? realSleep,
    waitTimers: deps.waitTimers,
  });
  let closed = false;
  return {
    store,
    engine,
    pool,
    targets,
    notifications,
    operations,
    close: async () => {
      if (closed) return;
      closed = true;
      closing.abort();
      events.close();
      unsubscribeConfig();
      await engine.close();
      unsubscribeEngine();
      unsubscribeMonitor();
      await targets.close();
      // Terminal notifications of deployments that just ended get a bounded chance to go out.
      await notifications.close();
      await pool.close();
      store.close();
    },
  };
}
