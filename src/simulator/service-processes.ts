import type { ProcessContext } from "./process-runner.js";
import { waitForRemoved, waitForStopped, waitForUnits } from "./process-waits.js";
import type { SimEngine } from "./sim-engine.js";
import { launchConfigNames, runsContainers } from "./service-config.js";
import { setServiceState } from "./sim-engine.js";
import type { SimContainer } from "./sim-model.js";
import { isLiveInstance } from "./sim-model.js";

/** `create`: registering → inactive, then `activate` when `startOnCreate`. */
export async function runCreate(
  engine: SimEngine,
  context: ProcessContext,
  activate: () => void,
): Promise<void> {
  await context.sleep(engine.timing.registerMs);
  setServiceState(engine, context.service, "inactive");
  if (context.service.startOnCreate) activate();
}

/** `activate` (and `update` of an active service): reconcile and wait for running containers. */
export async function runActivate(engine: SimEngine, context: ProcessContext): Promise<void> {
  const { service } = context;
  if (runsContainers(service)) {
    engine.reconciler.reconcile(service);
    await waitForUnits(engine, context, service.units, launchConfigNames(service), { healthy: false });
  }
  engine.health.refreshCurrentScale(service);
  setServiceState(engine, service, "active");
}

/** `update` of an inactive service: nothing to run. */
export async function runUpdateInactive(engine: SimEngine, context: ProcessContext): Promise<void> {
  await context.sleep(0);
  setServiceState(engine, context.service, "inactive");
}

/** `deactivate`: stop every managed container, then `inactive`. */
export async function runDeactivate(engine: SimEngine, context: ProcessContext): Promise<void> {
  const { service } = context;
  const running = engine.state.containersOf(service.id).filter((c) => c.managed && isLiveInstance(c));
  for (const container of running) engine.containers.stop(container);
  await waitForStopped(engine, context, running);
  engine.health.refreshCurrentScale(service);
  setServiceState(engine, service, "inactive");
}

/** `remove`: remove every container (old parked ones too), then `removed`. */
export async function runRemove(engine: SimEngine, context: ProcessContext): Promise<void> {
  const { service } = context;
  const all: SimContainer[] = engine.state.containersOf(service.id).filter(isLiveInstance);
  for (const container of all) engine.containers.remove(container);
  await waitForRemoved(engine, context, all);
  service.units.length = 0;
  setServiceState(engine, service, "removed");
}

/** `cancelupgrade`: the running loop has been stopped; settle in `canceled-upgrade`. */
export async function runCancelUpgrade(engine: SimEngine, context: ProcessContext): Promise<void> {
  await context.sleep(0);
  setServiceState(engine, context.service, "canceled-upgrade");
}

/** Input of `restart`. */
export interface RollingRestart {
  readonly batchSize: number;
  readonly intervalMillis: number;
}

/**
 * `restart`: restart containers unit batch by unit batch, waiting for them to be running and
 * healthy again, sleeping `intervalMillis` between batches. Ends `active`.
 */
export function restartProcess(
  strategy: RollingRestart,
): (engine: SimEngine, context: ProcessContext) => Promise<void> {
  const restarted = new Set<string>();
  return async (engine, context) => {
    const { service } = context;
    const names = launchConfigNames(service);
    const units = service.units.filter((unit) => !restarted.has(unit.uuid));
    for (let i = 0; i < units.length; i += strategy.batchSize) {
      if (i > 0) await context.sleep(strategy.intervalMillis);
      const batch = units.slice(i, i + strategy.batchSize);
      for (const unit of batch) {
        for (const container of engine.state.containersOf(service.id)) {
          if (container.unitUuid === unit.uuid && container.managed) engine.containers.restart(container);
        }
        restarted.add(unit.uuid);
      }
      await waitForUnits(engine, context, batch, names, { healthy: true });
    }
    setServiceState(engine, service, "active");
  };
}
