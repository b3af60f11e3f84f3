import type { Logger } from "pino";
import type { BehaviourRegistry, SimTiming } from "./behaviours.js";
import type { ContainerLifecycle } from "./container-lifecycle.js";
import type { HealthRollup } from "./health-rollup.js";
import type { ProcessRunner } from "./process-runner.js";
import type { Reconciler } from "./reconciler.js";
import type { SimClock } from "./sim-clock.js";
import type { ServiceState, SimService } from "./sim-model.js";
import type { SimState } from "./sim-state.js";
import { isTransitioningState } from "./service-state-machine.js";

/**
 * The parts of the simulated Cattle server, assembled by `createSimEngine`. The parts themselves
 * never see this type: each declares the narrow dependencies it needs (`…Deps`), so the engine's
 * users (API handlers, service processes, the control API) depend on the parts and not the other
 * way round.
 */
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
export function setServiceState(
  engine: Pick<SimEngine, "state" | "clock" | "health">,
  service: SimService,
  state: ServiceState,
): void {
  service.state = state;
  service.transitioning = isTransitioningState(state) ? "yes" : "no";
  service.transitioningMessage = null;
  if (state === "removed") service.removed = engine.clock.now();
  engine.state.changed("service", service.id, service.projectId);
  engine.health.refreshService(service.id);
  engine.health.refreshStack(service.stackId);
}
