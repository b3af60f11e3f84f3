import { randomBytes, randomUUID } from "node:crypto";
import type { BehaviourRegistry, ContainerBehaviour, SimTiming } from "./behaviours.js";
import type { SimClock, SimTimer } from "./sim-clock.js";
import { checkPorts } from "./host-ports.js";
import { formatId } from "./sim-ids.js";
import { serviceRef } from "./service-config.js";
import type { InstanceState, LaunchConfigMap, SimContainer, SimService, SimUnit } from "./sim-model.js";
import { PRIMARY_LAUNCH_CONFIG } from "./sim-model.js";
import { HealthChecker } from "./health-checker.js";
import { asText } from "./input-fields.js";
import type { SimState } from "./sim-state.js";

/**
 * What the container lifecycle needs: the world, time, timings, the scripted behaviours, and
 * whom to tell about a change (the health roll-up and reconcile).
 */
export interface ContainerLifecycleDeps {
  readonly state: SimState;
  readonly clock: SimClock;
  readonly timing: SimTiming;
  readonly behaviours: Pick<BehaviourRegistry, "resolve">;
  readonly health: { refreshService(serviceId: number): void };
  readonly reconciler: { containerChanged(container: SimContainer, previous: InstanceState): void };
}

/**
 * Walks containers through Cattle's instance states (docs/rancher-api.md §3.7):
 * requested → creating (image pull) → stopped → starting → running; stopping → stopped;
 * removing → removed; error on a failed pull or allocation. Health checks are delegated to
 * {@link HealthChecker}. Every change is published and reported to reconcile and the roll-up.
 */
export class ContainerLifecycle {
  readonly #engine: ContainerLifecycleDeps;
  readonly #timers = new Map<number, Set<SimTimer>>();
  readonly #health: HealthChecker;
  #ipCounter = 2;

  constructor(engine: ContainerLifecycleDeps) {
    this.#engine = engine;
    this.#health = new HealthChecker(engine.clock, {
      update: (container, patch) => this.#update(container, patch),
      remove: (container) => this.remove(container),
      behaviour: (container) => this.behaviour(container),
    });
  }

  /** The scripted behaviour of a container (by image tag or service). */
  behaviour(container: Pick<SimContainer, "imageUuid" | "serviceId">): ContainerBehaviour {
    const service = this.#engine.state.services.get(container.serviceId);
    return this.#engine.behaviours.resolve({
      imageUuid: container.imageUuid,
      serviceId: formatId("service", container.serviceId),
      serviceRef: service === undefined ? "" : serviceRef(this.#engine.state, service),
    });
  }

  /** Creates a container for one launch config of a unit and starts it (pull, then start). */
  create(service: SimService, unit: SimUnit, name: string, config: LaunchConfigMap): SimContainer {
    const container = this.build(service, unit, name, config, "requested");
    this.#engine.state.addContainer(container);
    this.#later(container, 0, () => this.#pull(container));
    return container;
  }

  /** Builds a container record without scheduling anything (seeding uses it with `running`). */
  build(
    service: SimService,
    unit: SimUnit,
    name: string,
    config: LaunchConfigMap,
    state: InstanceState,
  ): SimContainer {
    const { state: sim, clock } = this.#engine;
    const stack = sim.stacks.get(service.stackId);
    const base = `${stack?.name ?? "stack"}-${service.name}`;
    const ip = this.#ipCounter;
    this.#ipCounter += 1;
    return {
      id: sim.nextId("container"),
      projectId: service.projectId,
      serviceId: service.id,
      unitUuid: unit.uuid,
      launchConfigName: name,
      name:
        name === PRIMARY_LAUNCH_CONFIG
          ? `${base}-${String(unit.index)}`
          : `${base}-${name}-${String(unit.index)}`,
      hostId: unit.hostId,
      imageUuid: asText(config["imageUuid"]),
      version: asText(config["version"] ?? "0"),
      launchConfig: config,
      createIndex: unit.index,
      ipAddress: `10.42.${String(Math.floor(ip / 250) % 250)}.${String((ip % 250) + 2)}`,
      uuid: randomUUID(),
      externalId: randomBytes(32).toString("hex"),
      created: clock.now(),
      state,
      healthState: null,
      transitioningMessage: null,
      startCount: 0,
      firstRunning: null,
      removed: null,
      managed: true,
      upgradeMarked: false,
      failure: null,
    };
  }

  start(container: SimContainer): void {
    if (container.state !== "stopped") return;
    this.#clearTimers(container);
    const slow = this.behaviour(container).slowFactor ?? 1;
    const ports = checkPorts(this.#engine.state, container);
    if (ports !== undefined) {
      this.#fail(container, "allocate", ports);
      return;
    }
    this.#update(container, { state: "starting", startCount: container.startCount + 1 });
    this.#later(container, this.#engine.timing.startMs * slow, () => {
      this.#update(container, {
        state: "running",
        healthState: this.#health.initialHealth(container),
        firstRunning: container.firstRunning ?? this.#engine.clock.now(),
      });
      this.#running(container);
    });
  }

  stop(container: SimContainer): void {
    if (container.state === "requested" || container.state === "creating") {
      this.#clearTimers(container);
      this.#update(container, { state: "stopped" });
      return;
    }
    if (container.state !== "running" && container.state !== "starting" && container.state !== "restarting")
      return;
    this.#clearTimers(container);
    this.#update(container, { state: "stopping" });
    this.#later(container, this.#engine.timing.stopMs, () => this.#update(container, { state: "stopped" }));
  }

  restart(container: SimContainer): void {
    if (container.state !== "running") return;
    this.#clearTimers(container);
    this.#update(container, { state: "restarting" });
    const { stopMs, startMs } = this.#engine.timing;
    this.#later(container, stopMs + startMs * (this.behaviour(container).slowFactor ?? 1), () => {
      this.#update(container, {
        state: "running",
        healthState: this.#health.initialHealth(container),
        startCount: container.startCount + 1,
      });
      this.#running(container);
    });
  }

  /** Removes a container (stopping it first if it runs), then purges it much later. */
  remove(container: SimContainer): void {
    if (container.state === "removed" || container.state === "removing") return;
    this.#clearTimers(container);
    const running =
      container.state === "running" || container.state === "starting" || container.state === "restarting";
    const { stopMs, removeMs, purgeAfterMs } = this.#engine.timing;
    this.#update(container, { state: "removing" });
    this.#later(container, (running ? stopMs : 0) + removeMs, () => {
      this.#update(container, { state: "removed", removed: this.#engine.clock.now() });
      this.#later(container, purgeAfterMs, () => {
        this.#clearTimers(container);
        this.#engine.state.purgeContainer(container);
      });
    });
  }

  /** Drops every pending container timer (the simulator is closing). */
  dispose(): void {
    for (const timers of this.#timers.values())
      for (const timer of timers) this.#engine.clock.clearTimer(timer);
    this.#timers.clear();
  }

  #pull(container: SimContainer): void {
    const behaviour = this.behaviour(container);
    const ports = checkPorts(this.#engine.state, container);
    if (ports !== undefined) {
      this.#fail(container, "allocate", ports);
      return;
    }
    this.#update(container, { state: "creating" });
    const slow = behaviour.slowFactor ?? 1;
    this.#later(container, this.#engine.timing.pullMs * slow, () => {
      if (behaviour.pullFails === true) {
        const image = container.imageUuid.replace(/^docker:/, "");
        const [repository = image, tag = "latest"] = image.split(/:(?=[^:/]+$)/);
        this.#fail(
          container,
          "start",
          `Error response from daemon: manifest for ${repository}:${tag} not found`,
        );
        return;
      }
      this.#update(container, { state: "stopped" });
      this.start(container);
    });
  }

  /**
   * A container just reached `running`: its health checks begin, and a crashing one (behaviour
   * `exitsAfterMs`) has its process exit later. Cattle sees the exit as a stop (`stopping` →
   * `stopped`, health state kept); reconcile then starts the managed container again.
   */
  #running(container: SimContainer): void {
    this.#health.begin(container);
    const exitsAfterMs = this.behaviour(container).exitsAfterMs;
    if (exitsAfterMs !== undefined) this.#later(container, exitsAfterMs, () => this.stop(container));
  }

  #fail(container: SimContainer, kind: "allocate" | "start", reason: string): void {
    this.#clearTimers(container);
    this.#update(container, { state: "error", failure: { kind, reason }, transitioningMessage: reason });
  }

  #later(container: SimContainer, delayMs: number, action: () => void): void {
    let timers = this.#timers.get(container.id);
    if (timers === undefined) {
      timers = new Set();
      this.#timers.set(container.id, timers);
    }
    const set = timers;
    const timer = this.#engine.clock.setTimer(delayMs, () => {
      set.delete(timer);
      action();
    });
    set.add(timer);
  }

  #clearTimers(container: SimContainer): void {
    const timers = this.#timers.get(container.id);
    if (timers === undefined) return;
    for (const timer of timers) this.#engine.clock.clearTimer(timer);
    this.#timers.delete(container.id);
    this.#health.end(container);
  }

  #update(container: SimContainer, patch: Partial<SimContainer>): void {
    const previous = container.state;
    Object.assign(container, patch);
    if (patch.state !== undefined && patch.state !== "error" && patch.failure === undefined) {
      container.failure = null;
      container.transitioningMessage = null;
    }
    this.#engine.state.changed("container", container.id, container.projectId, container.serviceId);
    this.#engine.health.refreshService(container.serviceId);
    this.#engine.reconciler.containerChanged(container, previous);
  }
}
