import type { SimApiKey, SimContainer, SimHost, SimProject, SimService, SimStack } from "./sim-model.js";
import { isListed } from "./sim-model.js";

export type ChangeKind = "project" | "stack" | "service" | "container";

/** Something in the simulated Rancher changed (drives `resource.change` frames). */
export interface StateChange {
  readonly kind: ChangeKind;
  readonly id: number;
  readonly projectId: number;
  /** The service a service or container change belongs to. */
  readonly serviceId: number | undefined;
}

type Counter = "project" | "host" | "stack" | "service" | "container";

/**
 * Everything the simulated Rancher knows: projects, hosts, stacks, services, containers and
 * API keys, plus id counters and change listeners. Mutations are made by the engine modules,
 * which call `changed` so subscribers see every state, health and transitioning change.
 */
export class SimState {
  readonly projects = new Map<number, SimProject>();
  readonly hosts = new Map<number, SimHost>();
  readonly stacks = new Map<number, SimStack>();
  readonly services = new Map<number, SimService>();
  readonly containers = new Map<number, SimContainer>();
  readonly keys: SimApiKey[] = [];
  readonly #containersByService = new Map<number, Set<number>>();
  readonly #next: Record<Counter, number> = { project: 5, host: 1, stack: 1, service: 1, container: 1 };
  readonly #listeners = new Set<(change: StateChange) => void>();

  /** Next free row number for a table (projects start at 5, as on a fresh Rancher). */
  nextId(kind: Counter): number {
    const id = this.#next[kind];
    this.#next[kind] = id + 1;
    return id;
  }

  /** Makes sure generated ids never collide with `id` (used when a seed names ids). */
  reserveId(kind: Counter, id: number): void {
    if (id >= this.#next[kind]) this.#next[kind] = id + 1;
  }

  addContainer(container: SimContainer): void {
    this.containers.set(container.id, container);
    let ids = this.#containersByService.get(container.serviceId);
    if (ids === undefined) {
      ids = new Set();
      this.#containersByService.set(container.serviceId, ids);
    }
    ids.add(container.id);
    this.changed("container", container.id, container.projectId, container.serviceId);
  }

  /** Forgets a removed container entirely (Cattle's purge). */
  purgeContainer(container: SimContainer): void {
    this.containers.delete(container.id);
    this.#containersByService.get(container.serviceId)?.delete(container.id);
  }

  /** Every container of a service still known (including removed ones not yet purged). */
  containersOf(serviceId: number): SimContainer[] {
    const ids = this.#containersByService.get(serviceId);
    if (ids === undefined) return [];
    const result: SimContainer[] = [];
    for (const id of ids) {
      const container = this.containers.get(id);
      if (container !== undefined) result.push(container);
    }
    return result.sort((a, b) => a.id - b.id);
  }

  /** Containers with a service map: everything not removed yet (old stopped ones included). */
  instancesOf(serviceId: number): SimContainer[] {
    return this.containersOf(serviceId).filter(isListed);
  }

  servicesOf(stackId: number): SimService[] {
    return [...this.services.values()].filter((service) => service.stackId === stackId);
  }

  stacksOf(projectId: number): SimStack[] {
    return [...this.stacks.values()].filter((stack) => stack.projectId === projectId);
  }

  hostsOf(projectId: number): SimHost[] {
    return [...this.hosts.values()].filter((host) => host.projectId === projectId);
  }

  onChange(listener: (change: StateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  changed(kind: ChangeKind, id: number, projectId: number, serviceId?: number): void {
    const change: StateChange = { kind, id, projectId, serviceId: kind === "service" ? id : serviceId };
    for (const listener of [...this.#listeners]) listener(change);
  }
}
