import { randomUUID } from "node:crypto";
import type { SimEngine } from "./sim-engine.js";
import { launchConfigFor, launchConfigNames, runsContainers } from "./service-config.js";
import type { LaunchConfigMap, ServiceKind, ServiceState, SimService, SimStack } from "./sim-model.js";
import { isTransitioningState } from "./service-state-machine.js";

/** Everything needed to create a service row. Launch configs are already normalised. */
export interface NewService {
  readonly projectId: number;
  readonly stackId: number;
  readonly name: string;
  readonly kind: ServiceKind;
  readonly scale: number;
  readonly launchConfig: LaunchConfigMap | null;
  readonly secondaryLaunchConfigs: readonly LaunchConfigMap[];
  readonly retainIp: boolean | null;
  readonly startOnCreate: boolean;
  readonly description: string | null;
  readonly metadata: Record<string, unknown> | null;
  readonly id?: number;
}

export function addStack(
  engine: SimEngine,
  projectId: number,
  name: string,
  description: string | null,
  id?: number,
): SimStack {
  const { state, clock } = engine;
  if (id !== undefined) state.reserveId("stack", id);
  const stack: SimStack = {
    id: id ?? state.nextId("stack"),
    projectId,
    name,
    description,
    state: "active",
    healthState: "healthy",
    uuid: randomUUID(),
    created: clock.now(),
    removed: null,
  };
  state.stacks.set(stack.id, stack);
  state.changed("stack", stack.id, projectId);
  return stack;
}

export function addService(engine: SimEngine, input: NewService, initialState: ServiceState): SimService {
  const { state, clock } = engine;
  if (input.id !== undefined) state.reserveId("service", input.id);
  const service: SimService = {
    id: input.id ?? state.nextId("service"),
    projectId: input.projectId,
    stackId: input.stackId,
    name: input.name,
    kind: input.kind,
    description: input.description,
    state: initialState,
    transitioning: isTransitioningState(initialState) ? "yes" : "no",
    transitioningMessage: null,
    healthState: "healthy",
    scale: input.scale,
    currentScale: 0,
    launchConfig: input.launchConfig,
    secondaryLaunchConfigs: [...input.secondaryLaunchConfigs],
    upgrade: null,
    plan: null,
    retainIp: input.retainIp,
    startOnCreate: input.startOnCreate,
    metadata: input.metadata,
    units: [],
    nextUnitIndex: 1,
    uuid: randomUUID(),
    created: clock.now(),
    removed: null,
  };
  state.services.set(service.id, service);
  state.changed("service", service.id, service.projectId);
  return service;
}

/**
 * Gives a seeded `active` service its steady state at once: `scale` units whose containers are
 * `running` and (with a health check) `healthy`, as if they had been up for a while.
 */
export function seedRunningContainers(engine: SimEngine, service: SimService): void {
  if (!runsContainers(service)) return;
  engine.reconciler.reconcileUnitsOnly(service);
  for (const unit of service.units) {
    for (const name of launchConfigNames(service)) {
      const config = launchConfigFor(service, name);
      if (config === undefined) continue;
      const container = engine.containers.build(service, unit, name, config, "running");
      container.startCount = 1;
      container.firstRunning = container.created;
      container.healthState =
        typeof config["healthCheck"] === "object" && config["healthCheck"] !== null ? "healthy" : null;
      engine.state.addContainer(container);
    }
  }
  engine.health.refreshCurrentScale(service);
  engine.health.refreshService(service.id);
}
