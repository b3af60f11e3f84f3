import type { ContainerBehaviour } from "./behaviours.js";
import type { SimClock, SimTimer } from "./sim-clock.js";
import type { InstanceHealth, SimContainer } from "./sim-model.js";

/** What the health checker may do to a container. */
export interface HealthHooks {
  update(container: SimContainer, patch: Partial<SimContainer>): void;
  remove(container: SimContainer): void;
  behaviour(container: SimContainer): ContainerBehaviour;
}

const numberOr = (value: unknown, fallback: number): number =>
  typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;

/**
 * The container health walk of docs/rancher-api.md §3.7: a container with a health check starts
 * `initializing` (or `reinitializing` if it had been checked before), turns `healthy` after
 * `healthyThreshold` passing checks `interval` ms apart, and is removed (strategy ≠ `none`)
 * if still not healthy after `initializingTimeout`. Scripted behaviours make it never pass or
 * turn `unhealthy` later; an unhealthy container is recreated one interval later.
 */
export class HealthChecker {
  readonly #clock: SimClock;
  readonly #hooks: HealthHooks;
  readonly #timers = new Map<number, SimTimer[]>();

  constructor(clock: SimClock, hooks: HealthHooks) {
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /**
   * The health state a container enters as it reaches `running` (applied in the same update, so
   * nobody sees it running with a stale health): null without a health check, `initializing`
   * the first time, `reinitializing` when it had been checked before.
   */
  initialHealth(container: SimContainer): InstanceHealth {
    const check = container.launchConfig["healthCheck"];
    if (check === null || typeof check !== "object") return null;
    const previous = container.healthState;
    return previous === null || previous === "initializing" ? "initializing" : "reinitializing";
  }

  /** Starts checking a container that just reached `running` with its {@link initialHealth}. */
  begin(container: SimContainer): void {
    const check = container.launchConfig["healthCheck"];
    if (check === null || typeof check !== "object") return;
    this.end(container);
    const config = check as Record<string, unknown>;
    const initial = container.healthState;
    const interval = numberOr(config["interval"], 2000);
    const threshold = numberOr(config["healthyThreshold"], 2);
    const timeout = numberOr(
      initial === "initializing" ? config["initializingTimeout"] : config["reinitializingTimeout"],
      60_000,
    );
    const recreates = config["strategy"] !== "none";
    const behaviour = this.#hooks.behaviour(container);

    if (behaviour.neverHealthy !== true) {
      this.#schedule(container, interval * threshold, () => {
        this.#hooks.update(container, { healthState: "healthy" });
        const after = behaviour.unhealthyAfterMs;
        if (after === undefined) return;
        this.#schedule(container, after, () => {
          this.#hooks.update(container, { healthState: "unhealthy" });
          if (recreates) this.#schedule(container, interval, () => this.#hooks.remove(container));
        });
      });
    }
    this.#schedule(container, timeout, () => {
      const stillStarting =
        container.healthState === "initializing" || container.healthState === "reinitializing";
      if (stillStarting && recreates) this.#hooks.remove(container);
    });
  }

  /** Stops checking (the container stopped or is going away); its last healthState stays. */
  end(container: SimContainer): void {
    for (const timer of this.#timers.get(container.id) ?? []) this.#clock.clearTimer(timer);
    this.#timers.delete(container.id);
  }

  #schedule(container: SimContainer, delayMs: number, action: () => void): void {
    const timers = this.#timers.get(container.id) ?? [];
    this.#timers.set(container.id, timers);
    timers.push(
      this.#clock.setTimer(delayMs, () => {
        if (container.state === "running") action();
      }),
    );
  }
}
