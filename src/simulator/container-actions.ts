import type { SimEngine } from "./sim-engine.js";
import type { InstanceState, SimContainer } from "./sim-model.js";

/** Actions the `container` type declares; undeclared names are 422 `InvalidAction`. */
export const CONTAINER_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  "start",
  "stop",
  "restart",
  "remove",
  "purge",
  "restore",
  "update",
  "migrate",
  "logs",
  "execute",
  "proxy",
  "console",
]);

/** What the simulator offers per instance state (the ones it can perform). */
export function containerActionsFor(state: InstanceState): string[] {
  switch (state) {
    case "running":
      return ["stop", "restart"];
    case "stopped":
      return ["start", "remove"];
    case "requested":
    case "creating":
    case "error":
      return ["remove"];
    case "starting":
    case "stopping":
    case "restarting":
    case "removing":
    case "removed":
      return [];
  }
}

const TRANSITIONING: ReadonlySet<InstanceState> = new Set<InstanceState>([
  "requested",
  "creating",
  "starting",
  "stopping",
  "restarting",
  "removing",
]);

export const isContainerTransitioning = (state: InstanceState): boolean => TRANSITIONING.has(state);

/**
 * Performs an offered container action. A managed container stopped or removed by hand is
 * restarted or recreated by its service's reconcile, as Cattle does.
 */
export function performContainerAction(engine: SimEngine, container: SimContainer, action: string): void {
  switch (action) {
    case "start":
      engine.containers.start(container);
      return;
    case "stop":
      engine.containers.stop(container);
      return;
    case "restart":
      engine.containers.restart(container);
      return;
    case "remove":
      engine.containers.remove(container);
      return;
    default:
      return;
  }
}
