import type { Logger } from "pino";
import type { BackendConnection, BackendResolver, ChangeFeed } from "../backend/index.js";
import type { Config } from "../config/index.js";
import {
  rancherViewChanged,
  targetKey,
  type DeployTarget,
  type KnownRancherView,
  type RancherView,
  type Timers,
} from "../domain/index.js";
import {
  RancherApiError,
  RancherAuthError,
  RancherNotFoundError,
  RancherUnavailableError,
  type Container,
  type ResourceChange,
  type Service,
  type ServiceRef,
} from "../rancher/index.js";
import type { DeploymentStore } from "../store/index.js";
import { deriveRancherView } from "./rancher-view.js";

/** A target the monitor watches: its key and its names as written (in a rule, or the newest deployment). */
export interface MonitoredTarget extends DeployTarget {
  /** `environment/stack/service`, lower-cased ({@link targetKey}). */
  readonly key: string;
}

/** Listens to changes of what Rancher runs for a target. */
export type TargetViewListener = (targetKey: string, view: RancherView) => void;

/** Poll interval per environment while its change feed is connected. */
export const TARGET_POLL_MS = 30_000;
/** Poll interval per environment while it has no connected change feed. */
export const TARGET_POLL_WITHOUT_FEED_MS = 5_000;
/** How long a target's change events are gathered before its view is derived again. */
export const TARGET_DEBOUNCE_MS = 250;
/** Reads in flight per environment at most. */
export const TARGET_READ_CONCURRENCY = 4;

export const ENVIRONMENT_NOT_CONFIGURED = "environment not configured";

export interface TargetMonitorOptions {
  /** The targets to watch now (read at start, on every config change and at every poll). */
  readonly targets: () => readonly MonitoredTarget[];
  /** Names of the environments of the config in force. */
  readonly environments: () => Readonly<Record<string, unknown>>;
  /** The environment connections (the engine's pool: one client and one change feed per environment). */
  readonly connect: BackendResolver;
  /** Called on every config swap (returns the unsubscribe function), e.g. `ConfigHolder.subscribe`. */
  readonly subscribeConfig?: (listener: () => void) => () => void;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly pollMs?: number;
  readonly pollWithoutFeedMs?: number;
  readonly debounceMs?: number;
  readonly concurrency?: number;
}

interface TargetEntry {
  target: MonitoredTarget;
  view: RancherView;
  ref?: ServiceRef;
  /** The service and its instances as last read (or updated by change events). */
  service?: Service;
  instances?: Map<string, Container>;
  debounce?: unknown;
  reading?: Promise<void> | undefined;
  /** A change arrived during a read: read once more when it ends. */
  again: boolean;
}

interface EnvironmentEntry {
  readonly name: string;
  feed?: ChangeFeed | undefined;
  unsubscribe?: () => void;
  timer?: unknown;
  polling?: Promise<void> | undefined;
  active: number;
  readonly waiting: (() => void)[];
}

/**
 * What Rancher runs for every target named by the mapping rules or by a recorded deployment (see
 * {@link monitoredTargets}), kept up to date from each environment's change feed with a poll as
 * the fallback: every {@link TARGET_POLL_MS} while the feed is connected, every
 * {@link TARGET_POLL_WITHOUT_FEED_MS} without. A change event of a watched service or one of its
 * containers updates the cached copy from the event's resource and, after a short debounce per
 * target, derives the view again without a GET; a `resync` (the feed reconnected) reads again.
 * Each poll reads every target once at most, at most {@link TARGET_READ_CONCURRENCY} reads per
 * environment at a time. Listeners hear only real changes ({@link rancherViewChanged}).
 *
 * Connections come from the resolver it is given (the engine's `RancherPool`), so it adds no
 * client and no websocket of its own. Nothing runs until {@link TargetMonitor.start}.
 */
export class TargetMonitor {
  readonly #options: TargetMonitorOptions;
  readonly #log: Logger;
  readonly #targets = new Map<string, TargetEntry>();
  readonly #environments = new Map<string, EnvironmentEntry>();
  readonly #listeners = new Set<TargetViewListener>();
  #unsubscribeConfig: (() => void) | undefined;
  #started = false;
  #closed = false;

  constructor(options: TargetMonitorOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: "target-monitor" });
  }

  /** Starts watching: reads every target at once, then follows the feeds and polls. Idempotent. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#unsubscribeConfig = this.#options.subscribeConfig?.(() => {
      // A reload may have rebuilt an environment's connection (and feed): poll each at once.
      this.#sync();
      for (const environment of this.#environments.values()) this.#schedulePoll(environment, 0);
    });
    this.#sync();
  }

  /** Stops every timer and feed subscription; pending reads end without emitting. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribeConfig?.();
    for (const entry of this.#targets.values()) this.#clearDebounce(entry);
    const pending: Promise<void>[] = [];
    for (const environment of this.#environments.values()) {
      this.#stopEnvironment(environment);
      if (environment.polling !== undefined) pending.push(environment.polling);
    }
    for (const entry of this.#targets.values()) if (entry.reading !== undefined) pending.push(entry.reading);
    this.#listeners.clear();
    await Promise.allSettled(pending);
  }

  /** What Rancher runs for the target (by key, case-insensitive); `unknown` when not read (or not watched). */
  view(key: string): RancherView {
    return this.#targets.get(key.toLowerCase())?.view ?? { status: "unknown" };
  }

  /** The targets watched now, sorted by key. */
  targets(): readonly MonitoredTarget[] {
    return [...this.#targets.values()].map((entry) => entry.target).sort((a, b) => compare(a.key, b.key));
  }

  /** Calls `listener(targetKey, view)` whenever a target's view changes; returns the unsubscribe function. */
  onChange(listener: TargetViewListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Takes the current target list and reads the target (by key) — or every target — now. Resolves
   * when the read(s) ended (a failed read shows in the view, never as a rejection). Does nothing
   * before {@link start} and after {@link close}.
   */
  async refresh(key?: string): Promise<void> {
    if (!this.#started || this.#closed) return;
    this.#sync();
    const entries =
      key === undefined
        ? [...this.#targets.values()]
        : [this.#targets.get(key.toLowerCase())].filter((entry) => entry !== undefined);
    await Promise.all(entries.map((entry) => this.#read(entry)));
  }

  /** Applies the current target list: new targets start `unknown`, gone ones are dropped. */
  #sync(): void {
    if (this.#closed) return;
    let wanted: readonly MonitoredTarget[];
    try {
      wanted = this.#options.targets();
    } catch (error) {
      this.#log.warn({ err: error }, "target list not read; keeping the previous one");
      return;
    }
    const keys = new Set<string>();
    for (const target of wanted) {
      keys.add(target.key);
      const entry = this.#targets.get(target.key);
      if (entry === undefined) {
        this.#targets.set(target.key, { target, view: { status: "unknown" }, again: false });
      } else if (!sameTarget(entry.target, target)) {
        entry.target = target;
        delete entry.ref;
        delete entry.service;
        delete entry.instances;
      }
    }
    for (const [key, entry] of this.#targets) {
      if (keys.has(key)) continue;
      this.#clearDebounce(entry);
      this.#targets.delete(key);
    }
    const configured = this.#options.environments();
    const used = new Set<string>();
    for (const entry of this.#targets.values()) {
      if (!Object.hasOwn(configured, entry.target.environment)) {
        this.#setView(entry, this.#unreachable(entry, ENVIRONMENT_NOT_CONFIGURED));
        continue;
      }
      used.add(entry.target.environment);
    }
    for (const [name, environment] of this.#environments) {
      if (used.has(name)) continue;
      this.#stopEnvironment(environment);
      this.#environments.delete(name);
    }
    for (const name of used) {
      if (this.#environments.has(name)) continue;
      const environment: EnvironmentEntry = { name, active: 0, waiting: [] };
      this.#environments.set(name, environment);
      this.#schedulePoll(environment, 0);
    }
  }

  #schedulePoll(environment: EnvironmentEntry, ms: number): void {
    if (this.#closed || this.#environments.get(environment.name) !== environment) return;
    if (environment.timer !== undefined) this.#options.timers.clearTimeout(environment.timer);
    environment.timer = this.#options.timers.setTimeout(() => {
      environment.timer = undefined;
      environment.polling = this.#poll(environment).finally(() => {
        environment.polling = undefined;
      });
    }, ms);
  }

  /** One poll round of an environment: (re)subscribe to its feed, read each of its targets once. */
  async #poll(environment: EnvironmentEntry): Promise<void> {
    this.#sync();
    if (this.#closed || this.#environments.get(environment.name) !== environment) return;
    try {
      const connection = await this.#connection(environment);
      if (connection !== undefined) {
        const entries = this.#entriesOf(environment.name);
        await Promise.all(entries.map((entry) => this.#read(entry, connection)));
      }
    } catch (error) {
      this.#log.error({ err: error, environment: environment.name }, "target poll failed");
    }
    const connected = environment.feed?.connected === true;
    this.#schedulePoll(
      environment,
      connected
        ? (this.#options.pollMs ?? TARGET_POLL_MS)
        : (this.#options.pollWithoutFeedMs ?? TARGET_POLL_WITHOUT_FEED_MS),
    );
  }

  /** The environment's connection from the pool, subscribing to its feed when it is new; undefined when it failed. */
  async #connection(environment: EnvironmentEntry): Promise<BackendConnection | undefined> {
    let connection: BackendConnection;
    try {
      connection = await this.#options.connect(environment.name);
    } catch (error) {
      const reason = describeFailure(error);
      for (const entry of this.#entriesOf(environment.name))
        this.#setView(entry, this.#unreachable(entry, reason));
      return undefined;
    }
    if (this.#closed || this.#environments.get(environment.name) !== environment) return undefined;
    if (connection.events !== environment.feed) {
      environment.unsubscribe?.();
      delete environment.unsubscribe;
      environment.feed = connection.events;
      if (connection.events !== undefined)
        environment.unsubscribe = connection.events.subscribe((change) => this.#onFeed(environment, change));
    }
    return connection;
  }

  #onFeed(environment: EnvironmentEntry, change: ResourceChange | "resync"): void {
    if (this.#closed || this.#environments.get(environment.name) !== environment) return;
    const entries = this.#entriesOf(environment.name);
    if (change === "resync") {
      // The feed dropped (or reconnected): read again; while it is down, poll at the short interval.
      if (environment.feed?.connected !== true && environment.polling === undefined)
        this.#schedulePoll(environment, this.#options.pollWithoutFeedMs ?? TARGET_POLL_WITHOUT_FEED_MS);
      for (const entry of entries) {
        delete entry.instances;
        this.#debounce(entry);
      }
      return;
    }
    const type = change.resourceType.toLowerCase();
    if (type === "service") {
      for (const entry of entries) {
        if (entry.ref?.serviceId !== change.resourceId) continue;
        entry.service = change.resource;
        this.#debounce(entry);
      }
    } else if (type === "container" || type === "instance") {
      const container = change.resource as unknown as Container;
      const serviceIds = container.serviceIds ?? [];
      for (const entry of entries) {
        const serviceId = entry.ref?.serviceId;
        if (serviceId === undefined || !serviceIds.includes(serviceId)) continue;
        entry.instances?.set(container.id, container);
        this.#debounce(entry);
      }
    }
  }

  #debounce(entry: TargetEntry): void {
    if (entry.debounce !== undefined) return;
    entry.debounce = this.#options.timers.setTimeout(() => {
      entry.debounce = undefined;
      this.#fromCacheOrRead(entry);
    }, this.#options.debounceMs ?? TARGET_DEBOUNCE_MS);
  }

  #clearDebounce(entry: TargetEntry): void {
    if (entry.debounce !== undefined) this.#options.timers.clearTimeout(entry.debounce);
    entry.debounce = undefined;
  }

  /** After change events: derive from the cached service and instances, or read when they are not complete. */
  #fromCacheOrRead(entry: TargetEntry): void {
    if (this.#closed || this.#targets.get(entry.target.key) !== entry) return;
    if (entry.reading !== undefined) {
      entry.again = true;
      return;
    }
    if (entry.service !== undefined && entry.instances !== undefined) {
      this.#setView(
        entry,
        deriveRancherView(entry.service, [...entry.instances.values()], entry.target.sidekick, this.#now()),
      );
      return;
    }
    void this.#read(entry);
  }

  /** Reads the target (joining a read in flight), again once if a change arrived meanwhile. */
  #read(entry: TargetEntry, connection?: BackendConnection): Promise<void> {
    if (entry.reading !== undefined) return entry.reading;
    const run = async (): Promise<void> => {
      do {
        entry.again = false;
        await this.#limited(entry.target.environment, () => this.#readOnce(entry, connection));
        connection = undefined;
      } while (entry.again && !this.#closed);
    };
    entry.reading = run().finally(() => {
      entry.reading = undefined;
    });
    return entry.reading;
  }

  async #readOnce(entry: TargetEntry, given: BackendConnection | undefined): Promise<void> {
    if (this.#closed || this.#targets.get(entry.target.key) !== entry) return;
    const { target } = entry;
    if (!Object.hasOwn(this.#options.environments(), target.environment)) {
      this.#setView(entry, this.#unreachable(entry, ENVIRONMENT_NOT_CONFIGURED));
      return;
    }
    let view: RancherView;
    try {
      const environment = this.#environments.get(target.environment);
      const connection =
        given ??
        (environment === undefined
          ? await this.#options.connect(target.environment)
          : await this.#connection(environment));
      if (connection === undefined) return;
      const { client } = connection;
      let ref = entry.ref ?? (await client.resolveService(target.stack, target.service));
      let service: Service;
      try {
        service = await client.getService(ref);
      } catch (error) {
        if (!(error instanceof RancherApiError && error.httpStatus === 404)) throw error;
        ref = await client.resolveService(target.stack, target.service, true);
        service = await client.getService(ref);
      }
      if (isGone(service)) {
        // The name may now name a new service: resolve once more (404 → missing).
        const fresh = await client.resolveService(target.stack, target.service, true);
        if (fresh.serviceId !== ref.serviceId) {
          ref = fresh;
          service = await client.getService(ref);
        }
      }
      const instances = await client.listInstances(ref);
      entry.ref = ref;
      entry.service = service;
      entry.instances = new Map(instances.map((instance) => [instance.id, instance]));
      view = deriveRancherView(service, instances, target.sidekick, this.#now());
    } catch (error) {
      if (error instanceof RancherNotFoundError) {
        delete entry.ref;
        delete entry.service;
        delete entry.instances;
        view = { status: "missing", observedAt: this.#now() };
      } else {
        if (!isExpected(error))
          this.#log.warn({ err: error, target: target.key }, "target not read from Rancher");
        view = this.#unreachable(entry, describeFailure(error));
      }
    }
    if (this.#closed || this.#targets.get(entry.target.key) !== entry) return;
    this.#setView(entry, view);
  }

  /** Runs `work` when fewer than the concurrency bound of the environment's reads are in flight. */
  async #limited(environmentName: string, work: () => Promise<void>): Promise<void> {
    const environment = this.#environments.get(environmentName);
    if (environment === undefined) return work();
    const limit = Math.max(1, this.#options.concurrency ?? TARGET_READ_CONCURRENCY);
    while (environment.active >= limit) {
      await new Promise<void>((resolve) => environment.waiting.push(resolve));
    }
    environment.active += 1;
    try {
      await work();
    } finally {
      environment.active -= 1;
      environment.waiting.shift()?.();
    }
  }

  #unreachable(entry: TargetEntry, reason: string): RancherView {
    const last = lastKnown(entry.view);
    return {
      status: "unreachable",
      reason,
      observedAt: this.#now(),
      ...(last === undefined ? {} : { last }),
    };
  }

  #setView(entry: TargetEntry, view: RancherView): void {
    const before = entry.view;
    entry.view = view;
    if (!rancherViewChanged(before, view)) return;
    this.#log.debug({ target: entry.target.key, status: view.status }, "target view changed");
    for (const listener of this.#listeners) {
      try {
        listener(entry.target.key, view);
      } catch (error) {
        this.#log.error({ err: error }, "target view listener failed");
      }
    }
  }

  #entriesOf(environment: string): TargetEntry[] {
    return [...this.#targets.values()].filter((entry) => entry.target.environment === environment);
  }

  #stopEnvironment(environment: EnvironmentEntry): void {
    if (environment.timer !== undefined) this.#options.timers.clearTimeout(environment.timer);
    environment.timer = undefined;
    environment.unsubscribe?.();
    delete environment.unsubscribe;
    delete environment.feed;
    for (const resolve of environment.waiting.splice(0)) resolve();
  }

  #now(): string {
    return new Date(this.#options.timers.now()).toISOString();
  }
}

/**
 * The targets to watch: every target of the mapping rules, plus every target key of the store
 * (named as its newest deployment names it). One view per key: a key the rules name both as a
 * service and as one of its sidekicks shows the service's primary launch config; a key named only
 * by sidekick targets shows the first sidekick named. Environment names are matched to the
 * config's case-insensitively (a deployment may spell them otherwise).
 */
export function monitoredTargets(
  config: Pick<Config, "rules" | "environments">,
  store: Pick<DeploymentStore, "targetKeys" | "list">,
): MonitoredTarget[] {
  const byKey = new Map<string, MonitoredTarget>();
  const add = (
    target: Pick<DeployTarget, "environment" | "stack" | "service"> & {
      readonly sidekick?: string | undefined;
    },
    preferPrimary: boolean,
  ): void => {
    const key = targetKey({ environment: target.environment, stack: target.stack, service: target.service });
    const existing = byKey.get(key);
    if (
      existing !== undefined &&
      !(preferPrimary && existing.sidekick !== undefined && target.sidekick === undefined)
    )
      return;
    const environment = configuredName(config.environments, target.environment);
    byKey.set(key, {
      key,
      environment,
      stack: target.stack,
      service: target.service,
      ...(target.sidekick === undefined ? {} : { sidekick: target.sidekick }),
    });
  };
  for (const rule of config.rules) for (const target of rule.targets) add(target, true);
  for (const key of store.targetKeys()) {
    if (byKey.has(key)) continue;
    const newest = store.list({ targetKey: key, limit: 1 }).items[0];
    if (newest !== undefined) add(newest.target, false);
  }
  return [...byKey.values()].sort((a, b) => compare(a.key, b.key));
}

function configuredName(environments: Readonly<Record<string, unknown>>, name: string): string {
  if (Object.hasOwn(environments, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(environments).find((candidate) => candidate.toLowerCase() === lower) ?? name;
}

function sameTarget(a: MonitoredTarget, b: MonitoredTarget): boolean {
  return (
    a.environment === b.environment &&
    a.stack.toLowerCase() === b.stack.toLowerCase() &&
    a.service.toLowerCase() === b.service.toLowerCase() &&
    (a.sidekick ?? "").toLowerCase() === (b.sidekick ?? "").toLowerCase()
  );
}

function lastKnown(view: RancherView): KnownRancherView | undefined {
  if (view.status === "known") return view;
  if (view.status === "unreachable") return view.last;
  return undefined;
}

function isGone(service: Service): boolean {
  return service.state === "removed" || service.state === "removing" || (service.removed ?? null) !== null;
}

function isExpected(error: unknown): boolean {
  return (
    error instanceof RancherUnavailableError ||
    error instanceof RancherAuthError ||
    error instanceof RancherApiError
  );
}

/** Why Rancher could not be asked, for people: the Rancher errors' messages carry no credentials. */
function describeFailure(error: unknown): string {
  if (error instanceof RancherUnavailableError) return `Rancher cannot be reached: ${error.message}`;
  if (error instanceof RancherAuthError) return error.message;
  if (error instanceof RancherApiError) return error.message;
  if (error instanceof RancherNotFoundError) return error.message;
  return "unexpected error while reading Rancher (see the log)";
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
