import type { DeploySettings, DeployTarget, Deployment } from "../../src/domain/index.js";
import { isTerminal } from "../../src/domain/index.js";
import { DeploymentEngine, RancherPool } from "../../src/deploy/index.js";
import {
  createRancherSimulator,
  type RancherSimulator,
  type RancherSimulatorOptions,
  type SeedInput,
} from "../../src/simulator/index.js";
import type { Timers } from "../../src/domain/index.js";
import { openStore, type DeploymentStore } from "../../src/store/index.js";
import { captureLogs, type CapturedLogs } from "../helpers/capture-logs.js";
import { tracked, VirtualTime } from "./virtual-time.js";

/** Settings in simulated milliseconds (the default seed's frontend upgrades in about 13 s). */
export const SIM_SETTINGS: DeploySettings = {
  strategy: { batchSize: 1, intervalMillis: 100, startFirst: false },
  upgradeTimeoutMs: 60_000,
  verify: { soakMs: 10_000, timeoutMs: 60_000 },
  onFailure: "rollback",
  onUpgradedLeftover: "finish",
};

/**
 * The settings `createEngineHarness` starts from, in harness ms (see `timeScale`): at its default
 * 0.02, the 4 s upgrade timeout is 200 simulated seconds.
 */
export const FAST_SETTINGS: DeploySettings = {
  strategy: { batchSize: 1, intervalMillis: 100, startFirst: false },
  upgradeTimeoutMs: 4_000,
  verify: { soakMs: 400, timeoutMs: 3_000 },
  onFailure: "rollback",
  onUpgradedLeftover: "finish",
};

/** One drover's engine and store, and how tests submit a deployment to it (target defaults to demo/shop/frontend). */
export interface OtherDrover {
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  submit(
    image: string,
    tag: string,
    target?: Partial<DeployTarget>,
    settings?: Partial<DeploySettings>,
  ): Deployment;
}

/**
 * The one engine harness: a real engine and SQLite store against the simulator, everything on the
 * simulator's manual clock (see {@link createManualHarness}).
 */
export interface ManualHarness extends OtherDrover {
  readonly sim: RancherSimulator;
  readonly pool: RancherPool;
  readonly time: VirtualTime;
  readonly logs: CapturedLogs;
  /**
   * A drover restart: closes the engine (running deployments stop where they are) and the store,
   * opens the store again (`openStore` option, else `storePath`, else a new in-memory one) and a
   * new engine on the same simulator, and runs its start-up recovery.
   */
  restart(): Promise<void>;
  /**
   * Another drover process on the same simulator and virtual clock, with its own (in-memory)
   * store and engine: two drovers pointed at one Rancher. Closed with the harness.
   */
  otherDrover(): OtherDrover;
  /**
   * Steps simulated time until the deployment (or every one given) is terminal; returns it (them).
   * `maxMs` is in harness ms (simulated ms ÷ `timeScale`'s conversion, see the options).
   */
  settle(id: string, maxMs?: number): Promise<Deployment>;
  settle(ids: readonly string[], maxMs?: number): Promise<Deployment[]>;
  /** The simulated service by stack and name, as the API shows it. */
  service(stack: string, name: string): Record<string, unknown>;
  close(): Promise<void>;
}

export interface ManualHarnessOptions {
  readonly seed?: SeedInput;
  readonly concurrency?: number;
  /** Give the engine the subscribe websocket too (default: polling only, fully deterministic). */
  readonly events?: boolean;
  readonly verifyIntervalMs?: number;
  /** Fault injection from the start, and the seed of its random choices. */
  readonly faults?: RancherSimulatorOptions["faults"];
  readonly faultSeed?: number;
  /** The store's SQLite file (default `:memory:`). */
  readonly storePath?: string;
  /** Opens the store (each start and restart); overrides `storePath`. */
  readonly openStore?: (now: () => number) => DeploymentStore;
  /**
   * Harness ms per simulated ms, for tests written for a simulator sped up by this factor: the
   * drover-side durations of `submit`'s settings (upgrade timeout, soak, verify and probe
   * timeouts), `verifyIntervalMs` and `settle`'s bound are divided by it to give simulated ms.
   * Rancher-side values (`strategy.intervalMillis`) are simulated ms already. Default 1.
   */
  readonly timeScale?: number;
  /** The settings `submit` starts from (default {@link SIM_SETTINGS}). */
  readonly settings?: DeploySettings;
}

/**
 * `Timers` (a notification dispatcher's) on the harness's virtual time: they fire as
 * `time.runUntil` steps the simulated clock.
 */
export function virtualTimers(time: VirtualTime): Timers {
  let seq = 0;
  const cleared = new Set<number>();
  return {
    now: time.now,
    setTimeout: (callback, ms) => {
      seq += 1;
      const id = seq;
      void time.sleep(ms).then(() => {
        if (!cleared.delete(id)) callback();
      });
      return id;
    },
    clearTimeout: (handle) => {
      if (typeof handle === "number") cleared.add(handle);
    },
  };
}

/** Options of the former real-time harness; now the same harness on the manual clock. */
export type HarnessOptions = ManualHarnessOptions;
export type EngineHarness = ManualHarness;

/**
 * The harness with the defaults engine tests written against a 50× sped-up real simulator used:
 * {@link FAST_SETTINGS}, health checks every 50 harness ms, `timeScale` 0.02 — on the manual
 * clock, so no test waits on real time.
 */
export function createEngineHarness(options: HarnessOptions = {}): Promise<EngineHarness> {
  return createManualHarness({ timeScale: 0.02, verifyIntervalMs: 50, settings: FAST_SETTINGS, ...options });
}

function toSimulated(settings: DeploySettings, scale: number): DeploySettings {
  if (scale === 1) return settings;
  const ms = (value: number): number => Math.round(value / scale);
  const { http } = settings.verify;
  return {
    ...settings,
    upgradeTimeoutMs: ms(settings.upgradeTimeoutMs),
    verify: {
      ...settings.verify,
      soakMs: ms(settings.verify.soakMs),
      timeoutMs: ms(settings.verify.timeoutMs),
      ...(http === undefined ? {} : { http: { ...http, timeoutMs: ms(http.timeoutMs) } }),
    },
  };
}

/**
 * A real engine and SQLite store on the simulator's manual clock: drover's `now` and `sleep`
 * (engine, store, HTTP backoff) follow simulated time, which moves only when the test steps it.
 * Every engine test uses this harness (`createEngineHarness` is it with other defaults).
 */
export async function createManualHarness(options: ManualHarnessOptions = {}): Promise<ManualHarness> {
  const sim = await createRancherSimulator({
    clock: "manual",
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.faultSeed === undefined ? {} : { faultSeed: options.faultSeed }),
  });
  const time = new VirtualTime(sim.control);
  const scale = options.timeScale ?? 1;
  const defaults = options.settings ?? SIM_SETTINGS;
  const logs = captureLogs("info");
  const open =
    options.openStore ?? ((now: () => number) => openStore({ path: options.storePath ?? ":memory:", now }));
  let store = open(time.now);
  const pool = new RancherPool({
    environments: () => ({ demo: { simulator: "default", timeScale: 1 } }),
    logger: logs.logger,
    startSimulator: () => Promise.resolve({ ...sim, close: () => Promise.resolve() }),
    sleep: time.sleep,
  });
  const fetchTracked: typeof fetch = (input, init) => time.call(() => fetch(input, init));
  const createEngine = (engineStore = store): DeploymentEngine =>
    new DeploymentEngine(
      {
        store: engineStore,
        rancher: (environment) =>
          time.call(() =>
            pool.get(environment).then((target) => {
              const client = tracked(time, target.client);
              return options.events === true && target.events !== undefined
                ? { client, events: target.events }
                : { client };
            }),
          ),
        logger: logs.logger,
        now: time.now,
        sleep: time.sleep,
        fetch: fetchTracked,
        verifyIntervalMs: Math.round((options.verifyIntervalMs ?? 1_000) / scale),
        onEvent: () => time.touch(),
      },
      options.concurrency ?? 16,
    );
  let engine = createEngine();
  const others: OtherDrover[] = [];
  const submitTo =
    (to: () => DeploymentEngine) =>
    (
      image: string,
      tag: string,
      target: Partial<DeployTarget> = {},
      settings: Partial<DeploySettings> = {},
    ): Deployment =>
      to().submit({
        target: { environment: "demo", stack: "shop", service: "frontend", ...target },
        image,
        tag,
        source: "manual",
        settings: toSimulated({ ...defaults, ...settings }, scale),
      });
  const current = (ids: readonly string[]): Deployment[] =>
    ids.map((id) => store.get(id)).filter((d): d is Deployment => d !== undefined);
  const settleAll = async (ids: readonly string[], maxMs: number): Promise<Deployment[]> => {
    await time.runUntil(
      () => current(ids).length === ids.length && current(ids).every((d) => isTerminal(d.state)),
      { maxSimMs: Math.round(maxMs / scale) },
    );
    return current(ids);
  };
  function settle(id: string, maxMs?: number): Promise<Deployment>;
  function settle(ids: readonly string[], maxMs?: number): Promise<Deployment[]>;
  async function settle(
    which: string | readonly string[],
    maxMs = 600_000 * scale,
  ): Promise<Deployment | Deployment[]> {
    if (typeof which !== "string") return settleAll(which, maxMs);
    const [deployment] = await settleAll([which], maxMs);
    if (deployment === undefined) throw new Error(`deployment ${which} not found`);
    return deployment;
  }
  return {
    sim,
    get store() {
      return store;
    },
    get engine() {
      return engine;
    },
    pool,
    time,
    logs,
    restart: async () => {
      await time.drain(engine.close());
      store.close();
      store = open(time.now);
      engine = createEngine();
      await engine.recover();
    },
    otherDrover: () => {
      const otherStore = openStore({ path: ":memory:", now: time.now });
      const otherEngine = createEngine(otherStore);
      const other = { store: otherStore, engine: otherEngine, submit: submitTo(() => otherEngine) };
      others.push(other);
      return other;
    },
    submit: submitTo(() => engine),
    settle,
    service: (stack, name) => sim.control.service(sim.control.serviceId(stack, name)),
    close: async () => {
      for (const other of others) {
        await time.drain(other.engine.close());
        other.store.close();
      }
      await time.drain(engine.close());
      await pool.close();
      store.close();
      await sim.close();
    },
  };
}
