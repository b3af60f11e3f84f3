import type { ProcessContext, WaitResult } from "./process-runner.js";
import type { SimEngine } from "./sim-engine.js";
import { currentVersion, launchConfigFor } from "./service-config.js";
import { formatId } from "./sim-ids.js";
import type { SimContainer, SimService, SimUnit } from "./sim-model.js";
import { isLiveInstance } from "./sim-model.js";

/** Cattle's text for a container that went to `error` (docs/rancher-api.md §3.4). */
export function failureMessage(container: SimContainer): string {
  const id = `[container:${formatId("container", container.id)}]`;
  const verb = container.failure?.kind === "allocate" ? "allocate" : "start";
  const reason = container.failure?.reason ?? "unknown error";
  return `Failed to ${verb} instance ${id}: Bad instance ${id} in state [error]: ${reason}`;
}

const isHealthOk = (container: SimContainer): boolean =>
  container.healthState === null ||
  container.healthState === "healthy" ||
  container.healthState === "updating-healthy";

/** Managed, live containers of a unit for one launch config, on its current version. */
export function currentContainers(
  engine: SimEngine,
  service: SimService,
  unit: SimUnit,
  name: string,
): SimContainer[] {
  const version = currentVersion(service, name);
  return engine.state
    .containersOf(service.id)
    .filter(
      (c) =>
        c.unitUuid === unit.uuid &&
        c.launchConfigName === name &&
        c.managed &&
        isLiveInstance(c) &&
        c.version === version,
    );
}

/**
 * Waits until every (unit, launch config) pair has a current-version container that is
 * `running` and healthy (`null`, `healthy`, `updating-healthy`); with `healthy: false` running is
 * enough. A container in `error` fails the step at once; the wait is bounded by Cattle's 45 s.
 */
export function waitForUnits(
  engine: SimEngine,
  context: ProcessContext,
  units: readonly SimUnit[],
  names: readonly string[],
  options: { readonly healthy: boolean },
): Promise<void> {
  const { service } = context;
  let waitingOn = `service:${formatId("service", service.id)}`;
  const check = (): WaitResult => {
    for (const unit of units) {
      for (const name of names) {
        if (launchConfigFor(service, name) === undefined) continue;
        const containers = currentContainers(engine, service, unit, name);
        const broken = containers.find((c) => c.state === "error");
        if (broken !== undefined) return failureMessage(broken);
        const ready = containers.some((c) => c.state === "running" && (!options.healthy || isHealthOk(c)));
        if (!ready) {
          const first = containers[0];
          waitingOn = first === undefined ? waitingOn : `container:${formatId("container", first.id)}`;
          return false;
        }
      }
    }
    return true;
  };
  const what = options.healthy ? "healthy" : "running";
  return context.waitFor(check, engine.timing.healthWaitTimeoutMs, () => `Waiting: ${what} [${waitingOn}]`);
}

/** Waits until every given container is stopped (or gone). */
export function waitForStopped(
  engine: SimEngine,
  context: ProcessContext,
  containers: readonly SimContainer[],
): Promise<void> {
  const done = (c: SimContainer): boolean =>
    c.state === "stopped" || c.state === "error" || !isLiveInstance(c);
  return context.waitFor(
    () => containers.every(done),
    engine.timing.healthWaitTimeoutMs,
    () => `Waiting: stopped [container:${formatId("container", containers.find((c) => !done(c))?.id ?? 0)}]`,
  );
}

/** Waits until every given container is removed. */
export function waitForRemoved(
  engine: SimEngine,
  context: ProcessContext,
  containers: readonly SimContainer[],
): Promise<void> {
  return context.waitFor(
    () => containers.every((c) => c.state === "removed"),
    engine.timing.healthWaitTimeoutMs,
    () =>
      `Waiting: removed [container:${formatId("container", containers.find((c) => c.state !== "removed")?.id ?? 0)}]`,
  );
}
