import { setTimeout as delay } from "node:timers/promises";
import type { BehaviourRule } from "./behaviours.js";
import type { FaultInjector, FaultSettings, ScriptedFault } from "./faults.js";
import type { RecordedRequest, RequestLog } from "./request-log.js";
import { renderContainer } from "./render-containers.js";
import { renderService, renderStack, type UrlContext } from "./render-resources.js";
import type { ManualClock } from "./sim-clock.js";
import type { SimEngine } from "./sim-engine.js";
import { setServiceState } from "./sim-engine.js";
import { parseId } from "./sim-ids.js";
import type { ServiceState } from "./sim-model.js";
import type { SubscribeHub } from "./subscribe-socket.js";
import { SimulatorError } from "./sim-errors.js";

type Json = Record<string, unknown>;

/** The simulator's clock as tests drive it. */
export interface SimulatorClockControl {
  /** True when time only moves through `advance`/`advanceUntil`. */
  readonly manual: boolean;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Manual clock: move time forward `ms`, firing due timers in order. @throws {SimulatorError} on a real clock. */
  advance(ms: number): Promise<void>;
  /**
   * Manual clock: move time forward timer by timer until `condition()` holds; resolves with the
   * simulated ms that passed. @throws {SimulatorError} after `maxMs` or on a real clock.
   */
  advanceUntil(condition: () => boolean, maxMs?: number): Promise<number>;
  /**
   * Either clock: waits (advancing a manual clock, polling a real one) until `condition()` holds.
   * @throws {SimulatorError} after `maxMs` simulated ms.
   */
  settle(condition: () => boolean, maxMs?: number): Promise<void>;
}

/** Fault injection at run time. */
export interface FaultControl {
  readonly settings: FaultSettings;
  set(settings: Partial<FaultSettings>): void;
  reset(): void;
  /** The next `count` API requests (or accepted actions, for `"conflict"`) fail with `fault`. */
  failNext(count: number, fault: ScriptedFault): void;
}

/** Scripted container behaviours at run time (added rules win over seed and built-in ones). */
export interface BehaviourControl {
  add(rule: BehaviourRule): void;
  clear(): void;
  rules(): readonly BehaviourRule[];
}

/** The control handle of a running simulator (what tests and drover itself use). */
export interface SimulatorControl {
  readonly clock: SimulatorClockControl;
  readonly faults: FaultControl;
  readonly behaviours: BehaviourControl;
  /** Every API request received (method, path, query, body, status), oldest first. */
  requests(): readonly RecordedRequest[];
  clearRequests(): void;
  /** Formatted id of a service found by stack and service name, e.g. `serviceId("shop", "frontend")` → `1s1`. */
  serviceId(stack: string, service: string): string;
  /** A service as `GET /v2-beta/projects/{p}/services/{id}` shows it. @throws {SimulatorError} if unknown. */
  service(id: string): Json;
  /** A stack as the v2-beta API shows it. */
  stack(id: string): Json;
  /** A container as the v2-beta API shows it (removed ones too, until purged). */
  container(id: string): Json;
  /** A service's instances as `…/services/{id}/instances` lists them (old stopped ones included). */
  instances(serviceId: string): Json[];
  /** Test hook: puts a service in `state` at once, without running a process (for state × action tables). */
  forceServiceState(serviceId: string, state: ServiceState): void;
  /** Stops a container as if it crashed (a managed one is restarted by its service's reconcile). */
  stopContainer(id: string): void;
  /** Removes a container as `docker rm -f` would (a managed one is recreated by reconcile). */
  removeContainer(id: string): void;
  /**
   * Closes every subscribe websocket (clients must reconnect and re-sync); `logout: true` sends
   * a `logout` frame first. Returns how many were open.
   */
  disconnectSubscribers(options?: { readonly logout?: boolean }): number;
  /** Number of open subscribe websockets. */
  subscriberCount(): number;
}

export interface ControlDeps {
  readonly engine: SimEngine;
  readonly manualClock: ManualClock | undefined;
  readonly faults: FaultInjector;
  readonly requests: RequestLog;
  readonly hub: SubscribeHub;
  readonly url: string;
}

export function createSimulatorControl(deps: ControlDeps): SimulatorControl {
  const { engine, manualClock, faults, requests, hub } = deps;
  const { state } = engine;
  const ctx: UrlContext = { base: deps.url, version: "v2-beta", projectScoped: true };
  const needManual = (): ManualClock => {
    if (manualClock === undefined)
      throw new SimulatorError('the simulator runs on a real clock; advance needs clock: "manual"');
    return manualClock;
  };
  const lookup = <T>(map: ReadonlyMap<number, T>, id: string, what: string): T => {
    const found = map.get(parseId(id) ?? -1);
    if (found === undefined) throw new SimulatorError(`no ${what} ${id}`);
    return found;
  };
  return {
    clock: {
      manual: manualClock !== undefined,
      now: () => engine.clock.now(),
      advance: (ms) => needManual().advance(ms),
      advanceUntil: (condition, maxMs) => needManual().advanceUntil(condition, maxMs),
      settle: async (condition, maxMs = 600_000) => {
        if (manualClock !== undefined) {
          await manualClock.advanceUntil(condition, maxMs);
          return;
        }
        const deadline = engine.clock.now() + maxMs;
        while (!condition()) {
          if (engine.clock.now() > deadline)
            throw new SimulatorError(`condition not reached within ${String(maxMs)} simulated ms`);
          await delay(5);
        }
      },
    },
    faults: {
      get settings() {
        return faults.settings;
      },
      set: (settings) => faults.set(settings),
      reset: () => faults.reset(),
      failNext: (count, fault) => faults.failNext(count, fault),
    },
    behaviours: {
      add: (rule) => engine.behaviours.add(rule),
      clear: () => engine.behaviours.clear(),
      rules: () => engine.behaviours.rules(),
    },
    requests: () => requests.list(),
    clearRequests: () => requests.clear(),
    serviceId: (stackName, serviceName) => {
      const stack = [...state.stacks.values()].find(
        (s) => s.name.toLowerCase() === stackName.toLowerCase() && s.state !== "removed",
      );
      const service =
        stack === undefined
          ? undefined
          : state
              .servicesOf(stack.id)
              .find((s) => s.name.toLowerCase() === serviceName.toLowerCase() && s.state !== "removed");
      if (service === undefined) throw new SimulatorError(`no service ${stackName}/${serviceName}`);
      return `1s${String(service.id)}`;
    },
    service: (id) => renderService(ctx, state, lookup(state.services, id, "service")),
    stack: (id) => renderStack(ctx, state, lookup(state.stacks, id, "stack")),
    container: (id) => renderContainer(ctx, state, lookup(state.containers, id, "container")),
    instances: (serviceId) =>
      state
        .instancesOf(lookup(state.services, serviceId, "service").id)
        .map((c) => renderContainer(ctx, state, c)),
    forceServiceState: (serviceId, next) => {
      const service = lookup(state.services, serviceId, "service");
      engine.processes.abort(service);
      setServiceState(engine, service, next);
    },
    stopContainer: (id) => {
      const container = lookup(state.containers, id, "container");
      engine.containers.stop(container);
    },
    removeContainer: (id) => engine.containers.remove(lookup(state.containers, id, "container")),
    disconnectSubscribers: (options) => hub.disconnectAll(options?.logout === true),
    subscriberCount: () => hub.size,
  };
}
