import type { Logger } from "pino";
import type { BehaviourRegistry, SimTiming } from "./behaviours.js";
import type { ContainerLifecycle } from "./container-lifecycle.js";
import type { HealthRollup } from "./health-rollup.js";
import type { ProcessRunner } from "./process-runner.js";
import type { Reconciler } from "./reconciler.js";
import type { SimClock } from "./sim-clock.js";
import { asText } from "./input-fields.js";
import { formatId } from "./sim-ids.js";
import type { LaunchConfigMap, ServiceState, SimService } from "./sim-model.js";
import { PRIMARY_LAUNCH_CONFIG } from "./sim-model.js";
import type { SimState } from "./sim-state.js";
import { isTransitioningState } from "./service-state-machine.js";

/** The parts of the simulated Cattle server, wired together by `createSimEngine`. */
export interface SimEngine {
  readonly state: SimState;
  readonly clock: SimClock;
  readonly timing: SimTiming;
  readonly behaviours: BehaviourRegistry;
  readonly containers: ContainerLifecycle;
  readonly reconciler: Reconciler;
  readonly processes: ProcessRunner;
  readonly health: HealthRollup;
  readonly logger: Logger | undefined;
}

/** Sets a service's state and the matching `transitioning` flag, and publishes the change. */
export function setServiceState(engine: SimEngine, service: SimService, state: ServiceState): void {
  service.state = state;
  service.transitioning = isTransitioningState(state) ? "yes" : "no";
  service.transitioningMessage = null;
  if (state === "removed") service.removed = engine.clock.now();
  engine.state.changed("service", service.id, service.projectId);
  engine.health.refreshService(service.id);
  engine.health.refreshStack(service.stackId);
}

/** Launch config names of a service: the primary (if any) then each sidekick. */
export function launchConfigNames(service: SimService): string[] {
  const names = service.launchConfig === null ? [] : [PRIMARY_LAUNCH_CONFIG];
  for (const sidekick of service.secondaryLaunchConfigs) names.push(String(sidekick["name"]));
  return names;
}

/** The current launch config for a name (primary or sidekick), if the service still has it. */
export function launchConfigFor(service: SimService, name: string): LaunchConfigMap | undefined {
  if (name === PRIMARY_LAUNCH_CONFIG) return service.launchConfig ?? undefined;
  return service.secondaryLaunchConfigs.find((sidekick) => sidekick["name"] === name);
}

/** The version containers of a launch config must have to count as current. */
export function currentVersion(service: SimService, name: string): string | undefined {
  const config = launchConfigFor(service, name);
  return config === undefined ? undefined : asText(config["version"] ?? "0");
}

/** Service kinds that run containers. */
export const runsContainers = (service: SimService): boolean =>
  service.kind === "service" || service.kind === "loadBalancerService";

/** `stack/service` names, as behaviour rules refer to services. */
export function serviceRef(engine: SimEngine, service: SimService): string {
  const stack = engine.state.stacks.get(service.stackId);
  return `${stack?.name ?? "?"}/${service.name}`;
}

export const serviceIdText = (service: SimService): string => formatId("service", service.id);
