import type { DeploySettings, DeployTarget, Deployment } from "../../src/domain/index.js";
import { isTerminal } from "../../src/domain/index.js";
import { DeploymentEngine, RancherPool } from "../../src/deploy/index.js";
import {
  createRancherSimulator,
  type RancherSimulator,
  type RancherSimulatorOptions,
  type SeedInput,
} from "../../src/simulator/index.js";
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

export interface ManualHarness {
  readonly sim: RancherSimulator;
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly time: VirtualTime;
  readonly logs: CapturedLogs;
  submit(
    image: string,
    tag: string,
    target?: Partial<DeployTarget>,
    settings?: Partial<DeploySettings>,
  ): Deployment;
  /**
   * A drover restart: closes the engine (running deployments stop where they are) and the store,
   * opens the store again (`openStore` option, or a new in-memory one) and a new engine on the
   * same simulator, and runs its start-up recovery.
   */
  restart(): Promise<void>;
  /**
   * Another drover process on the same simulator and virtual clock, with its own (in-memory)
   * store and engine: two drovers pointed at one Rancher. Closed with the harness.
   */
  otherDrover(): OtherDrover;
  /** Steps simulated time until every given deployment is terminal; returns them. */
  settle(ids: readonly string[], maxSimMs?: number): Promise<Deployment[]>;
  /** The simulated service by stack and name, as the API shows it. */
  service(stack: string, name: string): Record<string, unknown>;
  close(): Promise<void>;
}

/** A second drover (see {@link ManualHarness.otherDrover}). */
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

export interface ManualHarnessOptions {
  readonly seed?: SeedInput;
  readonly concurrency?: number;
  /** Give the engine the subscribe websocket too (default: polling only, fully deterministic). */
  readonly events?: boolean;
  readonly verifyIntervalMs?: number;
  /** Fault injection from the start, and the seed of its random choices. */
  readonly faults?: RancherSimulatorOptions["faults"];
  readonly faultSeed?: number;
  /** Opens the store (each start and restart); default an in-memory SQLite on the virtual clock. */
  readonly openStore?: (now: () => number) => DeploymentStore;
}

/**
 * A real engine and SQLite store on the simulator's manual clock: drover's `now` and `sleep`
 * (engine, store, HTTP backoff) follow simulated time, which moves only when the test steps it.
 */
export async function createManualHarness(options: ManualHarnessOptions = {}): Promise<ManualHarness> {
  const sim = await createRancherSimulator({
    clock: "manual",
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.faultSeed === undefined ? {} : { faultSeed: options.faultSeed }),
  });
  const time = new VirtualTime(sim.control);
  const logs = captureLogs("info");
  const open = options.openStore ?? ((now) => openStore({ path: ":memory:", now }));
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
        verifyIntervalMs: options.verifyIntervalMs ?? 1_000,
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
    ) =>
      to().submit({
        target: { environment: "demo", stack: "shop", service: "frontend", ...target },
        image,
        tag,
        source: "manual",
        settings: { ...SIM_SETTINGS, ...settings },
      });
  const current = (ids: readonly string[]): Deployment[] =>
    ids.map((id) => store.get(id)).filter((d): d is Deployment => d !== undefined);
  return {
    sim,
    get store() {
      return store;
    },
    get engine() {
      return engine;
    },
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
    settle: async (ids, maxSimMs = 600_000) => {
      await time.runUntil(
        () => current(ids).length === ids.length && current(ids).every((d) => isTerminal(d.state)),
        { maxSimMs },
      );
      return current(ids);
    },
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
