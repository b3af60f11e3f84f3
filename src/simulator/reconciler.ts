import { randomUUID } from "node:crypto";
import type { SimTiming } from "./behaviours.js";
import type { SimClock } from "./sim-clock.js";
import { launchConfigFor, launchConfigNames, runsContainers } from "./service-config.js";
import type { InstanceState, LaunchConfigMap, SimContainer, SimService, SimUnit } from "./sim-model.js";
import { isLiveInstance } from "./sim-model.js";
import { RECONCILE_STATES } from "./service-state-machine.js";
import type { SimTimer } from "./sim-clock.js";
import type { SimState } from "./sim-state.js";

/** What reconcile does to containers (the container lifecycle implements it). */
export interface ReconcileContainers {
  create(service: SimService, unit: SimUnit, name: string, config: LaunchConfigMap): SimContainer;
  start(container: SimContainer): void;
  remove(container: SimContainer): void;
}

/** What reconcile needs: the world, time, the retry delay and the containers it manages. */
export interface ReconcilerDeps {
  readonly state: SimState;
  readonly clock: SimClock;
  readonly timing: Pick<SimTiming, "processRetryMs">;
  readonly containers: ReconcileContainers;
}

/**
 * Cattle's service reconcile: keep `scale` deployment units, each with one live *managed*
 * container per launch config (created from the current config), restart managed containers
 * that stopped, and clear out errored ones. Unmanaged containers (old ones parked by an
 * upgrade) are never touched. Runs when a process asks, and on its own when a managed
 * container of a service in an active state dies (docs/rancher-api.md §3.3). Containers of a
 * sidekick removed by an upgrade are left to the upgrade (parked, then removed by finish).
 */
export class Reconciler {
  readonly #engine: ReconcilerDeps;
  readonly #pending = new Map<number, { at: number; timer: SimTimer }>();

  constructor(engine: ReconcilerDeps) {
    this.#engine = engine;
  }

  /** Brings a service's containers in line; returns the containers it created. */
  reconcile(service: SimService): SimContainer[] {
    if (!runsContainers(service) || service.state === "removed" || service.state === "removing") return [];
    const { state, containers } = this.#engine;
    this.reconcileUnitsOnly(service);
    while (service.units.length > service.scale) {
      const unit = service.units.pop();
      if (unit === undefined) break;
      for (const container of state.containersOf(service.id)) {
        if (container.unitUuid === unit.uuid) containers.remove(container);
      }
    }
    const names = launchConfigNames(service);
    const all = state.containersOf(service.id).filter(isLiveInstance);
    const created: SimContainer[] = [];
    for (const unit of service.units) {
      if (unit.hold) continue;
      const inUnit = all.filter((c) => c.unitUuid === unit.uuid && c.managed);
      for (const name of names) {
        const mine = inUnit.filter((c) => c.launchConfigName === name);
        for (const broken of mine.filter((c) => c.state === "error")) containers.remove(broken);
        const usable = mine.filter((c) => c.state !== "error");
        const config = launchConfigFor(service, name);
        if (usable.length === 0 && config !== undefined) {
          created.push(containers.create(service, unit, name, config));
        }
        for (const stopped of usable.filter((c) => c.state === "stopped")) containers.start(stopped);
      }
    }
    return created;
  }

  /** Adds deployment units (each placed on the least loaded host) until there are `scale` of them. */
  reconcileUnitsOnly(service: SimService): void {
    while (service.units.length < service.scale) service.units.push(this.#newUnit(service));
  }

  /** Schedules a background reconcile (keeps the earliest one already scheduled). */
  schedule(service: SimService, delayMs: number): void {
    const { clock } = this.#engine;
    const at = clock.now() + delayMs;
    const existing = this.#pending.get(service.id);
    if (existing !== undefined && existing.at <= at) return;
    clock.clearTimer(existing?.timer);
    const timer = clock.setTimer(delayMs, () => {
      this.#pending.delete(service.id);
      if (RECONCILE_STATES.has(service.state)) this.reconcile(service);
    });
    this.#pending.set(service.id, { at, timer });
  }

  /** Reacts to a container change: a managed container that died gets replaced or restarted. */
  containerChanged(container: SimContainer, previous: InstanceState): void {
    if (!container.managed || container.state === previous) return;
    const service = this.#engine.state.services.get(container.serviceId);
    if (service === undefined || !RECONCILE_STATES.has(service.state)) return;
    if (container.state === "removed") this.schedule(service, 0);
    else if (container.state === "error") this.schedule(service, this.#engine.timing.processRetryMs);
    else if (container.state === "stopped" && previous === "stopping") this.schedule(service, 0);
  }

  dispose(): void {
    for (const { timer } of this.#pending.values()) this.#engine.clock.clearTimer(timer);
    this.#pending.clear();
  }

  #newUnit(service: SimService): SimUnit {
    const { state } = this.#engine;
    const hosts = state.hostsOf(service.projectId);
    const load = new Map<number, number>(hosts.map((host) => [host.id, 0]));
    for (const other of state.services.values()) {
      if (other.projectId !== service.projectId) continue;
      for (const unit of other.units) load.set(unit.hostId, (load.get(unit.hostId) ?? 0) + 1);
    }
    let hostId = hosts[0]?.id ?? 0;
    for (const host of hosts) if ((load.get(host.id) ?? 0) < (load.get(hostId) ?? 0)) hostId = host.id;
    const index = service.nextUnitIndex;
    service.nextUnitIndex += 1;
    return { uuid: randomUUID(), index, hostId, hold: false };
  }
}
