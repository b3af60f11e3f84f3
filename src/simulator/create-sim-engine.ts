import type { Logger } from "pino";
import type { BehaviourRule, TimingOverrides } from "./behaviours.js";
import { BehaviourRegistry, resolveTiming } from "./behaviours.js";
import { ContainerLifecycle } from "./container-lifecycle.js";
import { HealthRollup } from "./health-rollup.js";
import { ProcessRunner } from "./process-runner.js";
import { Reconciler } from "./reconciler.js";
import type { SimClock } from "./sim-clock.js";
import type { SimEngine } from "./sim-engine.js";
import { SimState } from "./sim-state.js";

export interface SimEngineOptions {
  readonly clock: SimClock;
  readonly timing?: TimingOverrides;
  readonly behaviours?: readonly BehaviourRule[];
  readonly logger?: Logger;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A wired engine, plus `dispose` to stop every timer and process. */
export interface DisposableSimEngine extends SimEngine {
  dispose(): void;
}

/** Builds the simulated Cattle server: state, clock, container lifecycle, reconcile, processes, roll-up. */
export function createSimEngine(options: SimEngineOptions): DisposableSimEngine {
  const engine = {
    state: new SimState(),
    clock: options.clock,
    timing: resolveTiming(options.timing),
    behaviours: new BehaviourRegistry(options.behaviours ?? []),
    logger: options.logger,
  } as Writable<DisposableSimEngine>;
  engine.health = new HealthRollup(engine);
  engine.reconciler = new Reconciler(engine);
  engine.containers = new ContainerLifecycle(engine);
  engine.processes = new ProcessRunner(engine);
  engine.dispose = () => {
    engine.processes.dispose();
    engine.reconciler.dispose();
    engine.containers.dispose();
    engine.clock.dispose();
  };
  return engine;
}
