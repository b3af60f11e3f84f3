import { launchConfigNames, runsContainers } from "./service-config.js";
import type { ServiceState, SimService } from "./sim-model.js";
import { PRIMARY_LAUNCH_CONFIG } from "./sim-model.js";
import type { SimState } from "./sim-state.js";

const NOT_HEALTHY_STATES: ReadonlySet<ServiceState> = new Set<ServiceState>([
  "inactive",
  "deactivating",
  "updating-inactive",
  "requested",
  "registering",
]);

/** Cattle's rule (docs/rancher-api.md §5.3) from counts: healthy ≥ expected → healthy, else initializing/degraded/unhealthy. */
export function rollUp(expected: number, healthy: number, initializing: number): string {
  if (healthy >= expected) return "healthy";
  if (initializing > 0) return "initializing";
  if (healthy > 0) return "degraded";
  return "unhealthy";
}

/** What the roll-up reads: the simulated world. */
export interface HealthRollupDeps {
  readonly state: SimState;
}

/**
 * Keeps `healthState` of services, stacks and projects and `currentScale` of services up to date
 * (docs/rancher-api.md §5.3), publishing a change whenever a value moves.
 */
export class HealthRollup {
  readonly #engine: HealthRollupDeps;

  constructor(engine: HealthRollupDeps) {
    this.#engine = engine;
  }

  /** The service roll-up: managed running instances against `scale × launch configs`. */
  serviceHealth(service: SimService): string {
    if (!runsContainers(service) || service.state === "requested" || service.state === "registering") {
      return "healthy";
    }
    const expected = service.scale * launchConfigNames(service).length;
    let healthy = 0;
    let initializing = 0;
    for (const container of this.#engine.state.containersOf(service.id)) {
      if (!container.managed || container.state !== "running") continue;
      const health = container.healthState;
      if (health === null || health === "healthy" || health === "updating-healthy") healthy += 1;
      else if (health === "initializing" || health === "reinitializing") initializing += 1;
    }
    return rollUp(expected, healthy, initializing);
  }

  refreshService(serviceId: number): void {
    const service = this.#engine.state.services.get(serviceId);
    if (service === undefined) return;
    const next = this.serviceHealth(service);
    if (next === service.healthState) return;
    service.healthState = next;
    this.#engine.state.changed("service", service.id, service.projectId);
    this.refreshStack(service.stackId);
  }

  /** Recounts `currentScale` (done when a process completes, so it lags like Cattle's). */
  refreshCurrentScale(service: SimService): void {
    const count = this.#engine.state
      .containersOf(service.id)
      .filter(
        (c) =>
          c.launchConfigName === PRIMARY_LAUNCH_CONFIG &&
          c.managed &&
          !c.upgradeMarked &&
          c.state !== "removed" &&
          c.state !== "removing" &&
          c.state !== "error",
      ).length;
    if (count === service.currentScale) return;
    service.currentScale = count;
    this.#engine.state.changed("service", service.id, service.projectId);
  }

  refreshStack(stackId: number): void {
    const { state } = this.#engine;
    const stack = state.stacks.get(stackId);
    if (stack === undefined) return;
    const services = state.servicesOf(stackId).filter((s) => s.state !== "removed" && s.state !== "removing");
    const healthy = services.filter(
      (s) => s.healthState === "healthy" && !NOT_HEALTHY_STATES.has(s.state),
    ).length;
    const initializing = services.filter((s) => s.healthState === "initializing").length;
    const next = rollUp(services.length, healthy, initializing);
    if (next !== stack.healthState) {
      stack.healthState = next;
      state.changed("stack", stack.id, stack.projectId);
    }
    this.refreshProject(stack.projectId);
  }

  refreshProject(projectId: number): void {
    const { state } = this.#engine;
    const project = state.projects.get(projectId);
    if (project === undefined) return;
    const stacks = state.stacksOf(projectId).filter((s) => s.state === "active");
    const healthy = stacks.filter((s) => s.healthState === "healthy").length;
    const initializing = stacks.filter((s) => s.healthState === "initializing").length;
    const next = rollUp(stacks.length, healthy, initializing);
    if (next !== project.healthState) {
      project.healthState = next;
      state.changed("project", project.id, project.id);
    }
  }
}
