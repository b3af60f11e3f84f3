import type { DeploySettings, DeployTarget, Deployment } from "../../src/domain/index.js";
import { DeploymentEngine, RancherPool } from "../../src/deploy/index.js";
import { createRancherSimulator, type RancherSimulator, type SeedInput } from "../../src/simulator/index.js";
import { openStore, type DeploymentStore } from "../../src/store/index.js";
import { captureLogs, type CapturedLogs } from "./capture-logs.js";

export const FAST_SETTINGS: DeploySettings = {
  strategy: { batchSize: 1, intervalMillis: 100, startFirst: false },
  upgradeTimeoutMs: 4_000,
  verify: { soakMs: 400, timeoutMs: 3_000 },
  onFailure: "rollback",
  onUpgradedLeftover: "finish",
};

export interface EngineHarness {
  readonly sim: RancherSimulator;
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly pool: RancherPool;
  readonly logs: CapturedLogs;
  submit(
    image: string,
    tag: string,
    target?: Partial<DeployTarget>,
    settings?: Partial<DeploySettings>,
  ): Deployment;
  /** Waits until the deployment is terminal (real time) and returns it. */
  settle(id: string, timeoutMs?: number): Promise<Deployment>;
  /** The simulated service as the API shows it. */
  service(stack: string, name: string): Record<string, unknown>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly timeScale?: number;
  readonly seed?: SeedInput;
  readonly concurrency?: number;
  readonly storePath?: string;
}

/** A real engine + real SQLite (memory) + the real simulator on a scaled real clock. */
export async function createEngineHarness(options: HarnessOptions = {}): Promise<EngineHarness> {
  const sim = await createRancherSimulator({
    timeScale: options.timeScale ?? 0.02,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const logs = captureLogs("info");
  const store = openStore({ path: options.storePath ?? ":memory:" });
  const pool = new RancherPool({
    environments: () => ({ demo: { simulator: "default", timeScale: 1 } }),
    logger: logs.logger,
    startSimulator: () =>
      Promise.resolve({ ...sim, projectId: sim.projectId, close: () => Promise.resolve() }),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
  });
  const engine = new DeploymentEngine(
    {
      store,
      rancher: (environment) => pool.get(environment),
      logger: logs.logger,
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      fetch,
      verifyIntervalMs: 50,
    },
    options.concurrency ?? 16,
  );
  return {
    sim,
    store,
    engine,
    pool,
    logs,
    submit: (image, tag, target = {}, settings = {}) =>
      engine.submit({
        target: { environment: "demo", stack: "shop", service: "frontend", ...target },
        image,
        tag,
        source: "manual",
        settings: { ...FAST_SETTINGS, ...settings },
      }),
    settle: async (id, timeoutMs = 20_000) => {
      const [deployment] = await engine.waitForTerminal([id], timeoutMs);
      if (deployment === undefined) throw new Error(`deployment ${id} not found`);
      return deployment;
    },
    service: (stack, name) => sim.control.service(sim.control.serviceId(stack, name)),
    close: async () => {
      await engine.close();
      await pool.close();
      store.close();
      await sim.close();
    },
  };
}
