import type { ProcessContext } from "./process-runner.js";
import { waitForRemoved, waitForStopped, waitForUnits } from "./process-waits.js";
import type { SimEngine } from "./sim-engine.js";
import { currentVersion, launchConfigNames } from "./service-config.js";
import { setServiceState } from "./sim-engine.js";
import type { SimContainer, SimService, SimUnit } from "./sim-model.js";
import { isLiveInstance } from "./sim-model.js";

const changed = (engine: SimEngine, container: SimContainer): void =>
  engine.state.changed("container", container.id, container.projectId, container.serviceId);

/** Managed containers of a unit still on an old version of one of `names`. */
function oldContainers(
  engine: SimEngine,
  service: SimService,
  unit: SimUnit,
  names: readonly string[],
): SimContainer[] {
  return engine.state
    .containersOf(service.id)
    .filter(
      (c) =>
        c.unitUuid === unit.uuid &&
        c.managed &&
        isLiveInstance(c) &&
        names.includes(c.launchConfigName) &&
        c.version !== currentVersion(service, c.launchConfigName),
    );
}

const parked = (engine: SimEngine, service: SimService): SimContainer[] =>
  engine.state.containersOf(service.id).filter((c) => c.upgradeMarked && isLiveInstance(c));

/**
 * The in-service upgrade loop of docs/rancher-api.md §4.3 (`upgrade` and `continueupgrade`): per batch
 * of `batchSize` deployment units, park the old containers (unmanaged, `upgrade` flag), start the
 * replacements before (`startFirst`) or after stopping the old ones, wait for health, sleep
 * `intervalMillis` between batches; old containers end `stopped`, not removed. Ends `upgraded`.
 */
export async function runUpgrade(engine: SimEngine, context: ProcessContext): Promise<void> {
  const { service } = context;
  const plan = service.plan;
  if (plan !== null && service.upgrade !== plan.field) {
    service.upgrade = plan.field;
    engine.state.changed("service", service.id, service.projectId);
  }
  const names = plan?.names ?? launchConfigNames(service);
  const batchSize = plan?.batchSize ?? 1;
  const pending = (): SimUnit[] =>
    service.units.filter((unit) => oldContainers(engine, service, unit, names).length > 0);

  for (;;) {
    engine.reconciler.reconcile(service);
    const todo = pending();
    const done = service.units.filter((unit) => !todo.includes(unit));
    await waitForUnits(engine, context, done, names, { healthy: true });
    const stillRunning = parked(engine, service);
    for (const container of stillRunning) engine.containers.stop(container);
    await waitForStopped(engine, context, stillRunning);

    const batch = pending().slice(0, batchSize);
    if (batch.length === 0) break;
    const old = batch.flatMap((unit) => oldContainers(engine, service, unit, names));
    for (const container of old) {
      container.managed = false;
      container.upgradeMarked = true;
      changed(engine, container);
    }
    if (plan?.startFirst === true) {
      engine.reconciler.reconcile(service);
      await waitForUnits(engine, context, batch, names, { healthy: true });
      for (const container of old) engine.containers.stop(container);
      await waitForStopped(engine, context, old);
    } else {
      for (const unit of batch) unit.hold = true;
      for (const container of old) engine.containers.stop(container);
      await waitForStopped(engine, context, old);
      for (const unit of batch) unit.hold = false;
      engine.reconciler.reconcile(service);
    }
    await waitForUnits(engine, context, batch, names, { healthy: true });
    if (pending().length > 0) await context.sleep(plan?.intervalMillis ?? 2000);
  }
  engine.reconciler.reconcile(service);
  await waitForUnits(engine, context, service.units, names, { healthy: true });
  engine.health.refreshCurrentScale(service);
  setServiceState(engine, service, "upgraded");
}

/**
 * `finishupgrade`: the loop's health wait once more (an unhealthy new container keeps the
 * service in `finishing-upgrade`), then the parked old containers are removed. Ends `active`.
 */
export async function runFinishUpgrade(engine: SimEngine, context: ProcessContext): Promise<void> {
  const { service } = context;
  engine.reconciler.reconcile(service);
  await waitForUnits(engine, context, service.units, launchConfigNames(service), { healthy: true });
  const old = parked(engine, service);
  for (const container of old) engine.containers.remove(container);
  await waitForRemoved(engine, context, old);
  engine.health.refreshCurrentScale(service);
  setServiceState(engine, service, "active");
}

/**
 * `rollback` (launch configs were already restored by the action): per batch, re-manage and
 * start the parked old containers, take the new ones out of the service and stop them; no
 * health waits; then remove the new ones. Ends `active`.
 */
export async function runRollback(engine: SimEngine, context: ProcessContext): Promise<void> {
  const { service } = context;
  const plan = service.plan;
  const batchSize = plan?.batchSize ?? 1;
  const units = [...service.units];
  for (let i = 0; i < units.length; i += batchSize) {
    if (i > 0) await context.sleep(plan?.intervalMillis ?? 2000);
    for (const unit of units.slice(i, i + batchSize)) {
      const inUnit = engine.state
        .containersOf(service.id)
        .filter((c) => c.unitUuid === unit.uuid && isLiveInstance(c));
      for (const container of inUnit) {
        if (
          container.upgradeMarked &&
          container.version === currentVersion(service, container.launchConfigName)
        ) {
          container.upgradeMarked = false;
          container.managed = true;
          changed(engine, container);
          engine.containers.start(container);
        }
      }
      for (const container of inUnit) {
        if (container.managed && container.version !== currentVersion(service, container.launchConfigName)) {
          container.managed = false;
          changed(engine, container);
          engine.containers.stop(container);
        }
      }
    }
    engine.reconciler.reconcile(service);
  }
  // Taken out of the service and not parked for rollback: the new containers (also after a retry).
  const discarded = engine.state
    .containersOf(service.id)
    .filter((c) => !c.managed && !c.upgradeMarked && isLiveInstance(c));
  await waitForStopped(engine, context, discarded);
  for (const container of discarded) engine.containers.remove(container);
  await waitForRemoved(engine, context, discarded);
  engine.health.refreshCurrentScale(service);
  setServiceState(engine, service, "active");
}
