import type { Deployment, FeedEvent } from "../domain/index.js";
import type { DeploymentStore, FeedFilter } from "../store/index.js";

/** Narrows a subscription: one target's deployments and target changes, or one deployment. */
export interface LiveFilter {
  /** `environment/stack/service` (case-insensitive). */
  readonly targetKey?: string;
  readonly deploymentId?: string;
}

/** How a stored event changed its deployment: its first event, a state change, or a log line. */
export type DeploymentChange = "created" | "transition" | "log";

/** A stored deployment event, with the deployment as it is now. */
export interface LiveDeploymentEvent {
  readonly type: "deployment";
  readonly change: DeploymentChange;
  readonly event: FeedEvent;
  readonly deployment: Deployment;
}

/** What Rancher runs for a target changed (not stored, so it has no feed id). */
export interface LiveTargetEvent {
  readonly type: "target";
  /** Lower-cased `environment/stack/service`. */
  readonly targetKey: string;
  readonly target: unknown;
}

/** The config was reloaded and swapped. */
export interface LiveConfigEvent {
  readonly type: "config";
  readonly reloads: number;
  readonly hash: string;
  readonly at: string;
}

/** Events were lost (a replay longer than {@link MAX_REPLAY}, a deployment that could not be read): reload. */
export interface LiveResetEvent {
  readonly type: "reset";
}

export type LiveEvent = LiveDeploymentEvent | LiveTargetEvent | LiveConfigEvent | LiveResetEvent;

/** What the hub needs of the target monitor: a change callback per target. */
export interface TargetChangeSource<View = unknown> {
  onChange(listener: (targetKey: string, view: View) => void): () => void;
}

/** What the hub needs of the config holder: swaps and the status after one. */
export interface ConfigChangeSource {
  subscribe(listener: () => void): () => void;
  status(): { readonly reloads: number; readonly hash: string; readonly loadedAt: string };
}

export interface LiveEventsDeps {
  readonly store: Pick<DeploymentStore, "get" | "eventsAfter" | "onCommit">;
  /** The target monitor; without it no `target` events are sent. */
  readonly targets?: TargetChangeSource | undefined;
  /**
   * Builds the `target` event's body from a monitor view; default `{ target, rancher }`;
   * the composition root passes the `GET /api/targets` item (`showTarget`).
   */
  readonly presentTarget?: ((targetKey: string, view: unknown) => unknown) | undefined;
  /** Config reloads; without it no `config` events are sent. */
  readonly config?: ConfigChangeSource | undefined;
  /** Told about a subscriber or a source that threw (the composition root logs it). */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** The live event hub: the store's feed, target changes and config reloads, filtered per subscriber. */
export interface LiveEvents {
  /**
   * Calls `listener` synchronously with every live event `filter` admits, in feed order; the store
   * and the engine never wait on it (a listener must only queue). Returns the unsubscribe function.
   */
  subscribe(filter: LiveFilter, listener: (event: LiveEvent) => void): () => void;
  /**
   * The stored deployment events after `afterFeedId` that `filter` admits, oldest first; `reset`
   * (and no events) when more than {@link MAX_REPLAY} were missed.
   */
  replay(afterFeedId: number, filter: LiveFilter): LiveReplay;
  /** Subscribers now. */
  subscribers(): number;
  /** Detaches from the store and the sources, and drops every subscriber. Idempotent. */
  close(): void;
}

export type LiveReplay =
  { readonly reset: false; readonly events: readonly LiveDeploymentEvent[] } | { readonly reset: true };

/** The most stored events a reconnecting client is replayed; beyond that it gets `reset`. */
export const MAX_REPLAY = 1000;

/** How a stored event changed its deployment. */
export function changeOf(event: Pick<FeedEvent, "seq" | "kind">): DeploymentChange {
  if (event.seq === 1) return "created";
  return event.kind === "transition" ? "transition" : "log";
}

interface Subscriber {
  readonly filter: LiveFilter;
  readonly listener: (event: LiveEvent) => void;
}

/** Builds the hub over the store's commit feed and the optional target and config sources. */
export function createLiveEvents(deps: LiveEventsDeps): LiveEvents {
  const { store } = deps;
  const subscribers = new Set<Subscriber>();
  const report = (error: unknown): void => {
    try {
      deps.onError?.(error);
    } catch {
      // Reporting must never break a write or a reload.
    }
  };
  const presentTarget =
    deps.presentTarget ?? ((key: string, view: unknown) => ({ target: key, rancher: view }));

  const tell = (event: LiveEvent, admits: (filter: LiveFilter) => boolean): void => {
    for (const subscriber of [...subscribers]) {
      if (!subscribers.has(subscriber) || !admits(subscriber.filter)) continue;
      try {
        subscriber.listener(event);
      } catch (error) {
        report(error);
      }
    }
  };

  const onCommit = (events: readonly FeedEvent[]): void => {
    if (subscribers.size === 0) return;
    const deployments = new Map<string, Deployment | undefined>();
    for (const event of events) {
      if (!deployments.has(event.deploymentId)) {
        let read: Deployment | undefined;
        try {
          read = store.get(event.deploymentId);
        } catch (error) {
          report(error);
        }
        deployments.set(event.deploymentId, read);
      }
      const deployment = deployments.get(event.deploymentId);
      if (deployment === undefined) {
        // Committed but unreadable now: every subscriber may have missed it, so each reloads.
        tell({ type: "reset" }, () => true);
        continue;
      }
      const found = deployment;
      tell({ type: "deployment", change: changeOf(event), event, deployment: found }, (filter) =>
        admitsDeployment(filter, found),
      );
    }
  };

  const detach: (() => void)[] = [store.onCommit(onCommit)];
  if (deps.targets !== undefined) {
    detach.push(
      deps.targets.onChange((targetKey, view) => {
        if (subscribers.size === 0) return;
        const key = targetKey.toLowerCase();
        let target: unknown;
        try {
          target = presentTarget(key, view);
        } catch (error) {
          report(error);
          return;
        }
        tell({ type: "target", targetKey: key, target }, (filter) => admitsTarget(filter, key));
      }),
    );
  }
  const { config } = deps;
  if (config !== undefined) {
    detach.push(
      config.subscribe(() => {
        if (subscribers.size === 0) return;
        const status = config.status();
        const event: LiveConfigEvent = {
          type: "config",
          reloads: status.reloads,
          hash: status.hash,
          at: status.loadedAt,
        };
        tell(event, (filter) => filter.targetKey === undefined && filter.deploymentId === undefined);
      }),
    );
  }

  return {
    subscribe(filter, listener) {
      const subscriber: Subscriber = { filter: normalise(filter), listener };
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
    replay(afterFeedId, filter) {
      const normal = normalise(filter);
      const feedFilter: FeedFilter = {
        ...(normal.deploymentId === undefined ? {} : { deploymentId: normal.deploymentId }),
        ...(normal.targetKey === undefined ? {} : { targetKey: normal.targetKey }),
      };
      const stored = store.eventsAfter(afterFeedId, MAX_REPLAY + 1, feedFilter);
      if (stored.length > MAX_REPLAY) return { reset: true };
      const deployments = new Map<string, Deployment | undefined>();
      const events: LiveDeploymentEvent[] = [];
      for (const event of stored) {
        if (!deployments.has(event.deploymentId))
          deployments.set(event.deploymentId, store.get(event.deploymentId));
        const deployment = deployments.get(event.deploymentId);
        if (deployment === undefined) return { reset: true };
        events.push({ type: "deployment", change: changeOf(event), event, deployment });
      }
      return { reset: false, events };
    },
    subscribers: () => subscribers.size,
    close() {
      for (const stop of detach.splice(0)) stop();
      subscribers.clear();
    },
  };
}

function normalise(filter: LiveFilter): LiveFilter {
  return {
    ...(filter.targetKey === undefined ? {} : { targetKey: filter.targetKey.toLowerCase() }),
    ...(filter.deploymentId === undefined ? {} : { deploymentId: filter.deploymentId }),
  };
}

function admitsDeployment(filter: LiveFilter, deployment: Deployment): boolean {
  if (filter.deploymentId !== undefined && filter.deploymentId !== deployment.id) return false;
  return filter.targetKey === undefined || filter.targetKey === deployment.targetKey;
}

function admitsTarget(filter: LiveFilter, targetKey: string): boolean {
  return (
    filter.deploymentId === undefined && (filter.targetKey === undefined || filter.targetKey === targetKey)
  );
}
