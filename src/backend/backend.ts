import type { Container, ResourceChange, Service, ServiceRef } from "../rancher/index.js";

/** How a caller tells, from a fresh read of the service, that a request it sent took effect. */
export type AppliedCheck = (service: Service) => boolean;

/**
 * What the deployment engine needs from an orchestrator, for one configured environment: read a
 * service and its instances, resolve a target by names, and drive an in-place upgrade (upgrade,
 * finish, roll back, cancel). See docs/adr/0005-backend-seam.md.
 *
 * The data model is Rancher 1.6's for now ({@link Service}, {@link Container}, {@link ServiceRef}:
 * service states, launch configs, launch config `version`s, instance health). A second backend
 * maps its objects onto it.
 *
 * Errors are part of the contract, because the engine decides on them:
 * - `RancherUnavailableError`: the orchestrator cannot be reached right now (after the
 *   implementation's own retries); the engine waits it out within the phase's deadline.
 * - `RancherApiError` with `httpStatus` 404: the ref names nothing any more (re-resolve by name);
 *   409: try again later; `isActionNotAvailable` (422): the service's state moved and does not
 *   accept this step — re-read and decide.
 * - `RancherNotFoundError`: a name did not resolve. `RancherAuthError`: credentials refused.
 *
 * The four lifecycle steps are at-most-once: when a request fails in a way that leaves it unknown
 * whether it took effect (network error, timeout, 5xx, 409), the implementation reads the service
 * again and, when `isApplied(service)` holds, returns that service instead of sending it twice;
 * when the step is no longer accepted in the state it finds, it throws the 422 above.
 */
export interface Backend {
  /** The environment's name in the mapping file (for messages and logs). */
  readonly environment: string;
  /**
   * Resolves the configured project (a Rancher environment; a Kubernetes namespace) to its id,
   * once (cached). The first call is where bad credentials and unreachable servers show up.
   * @throws {RancherNotFoundError} when no such project is visible with these credentials.
   */
  resolveProjectId(): Promise<string>;
  /**
   * Resolves `stack/service` (names, case-insensitive, or ids) to a ref; cached. `fresh` drops the
   * cached entry first (after a 404, or when the cached service turned out removed).
   * @throws {RancherNotFoundError} when the stack or the service does not exist.
   */
  resolveService(stack: string, service: string, fresh?: boolean): Promise<ServiceRef>;
  /** Reads the service as the orchestrator has it now (a removed service may still be readable). */
  getService(ref: Pick<ServiceRef, "projectId" | "serviceId">): Promise<Service>;
  /** Every instance of the service, including old stopped ones kept for a rollback. */
  listInstances(ref: Pick<ServiceRef, "projectId" | "serviceId">): Promise<Container[]>;
  /**
   * Starts an in-place upgrade to `body` (the whole launch config to run, as
   * `buildUpgradeBody` in the engine builds it). Returns the service as accepted.
   */
  upgrade(
    ref: Pick<ServiceRef, "projectId" | "serviceId">,
    body: Readonly<Record<string, unknown>>,
    isApplied: AppliedCheck,
  ): Promise<Service>;
  /** Makes an upgrade that reached `upgraded` final (the old instances may then be cleaned up). */
  finishUpgrade(ref: Pick<ServiceRef, "projectId" | "serviceId">, isApplied: AppliedCheck): Promise<Service>;
  /** Returns an upgrading, upgraded or canceled upgrade to the previous launch config. */
  rollback(ref: Pick<ServiceRef, "projectId" | "serviceId">, isApplied: AppliedCheck): Promise<Service>;
  /** Stops an upgrade in flight (also a `finishing-upgrade`), leaving it `canceled-upgrade`. */
  cancelUpgrade(ref: Pick<ServiceRef, "projectId" | "serviceId">, isApplied: AppliedCheck): Promise<Service>;
}

/** A change notification: a changed resource, or `"resync"` after the feed (re)connected. */
export type ChangeListener = (change: ResourceChange | "resync") => void;

/**
 * Changes of one project's services and containers, pushed by the orchestrator (Rancher's
 * `subscribe` websocket; a Kubernetes watch). Waiters use it to notice a state within
 * milliseconds and poll as a fallback; `"resync"` tells them to read again because changes may
 * have been missed while the feed was down.
 */
export interface ChangeFeed {
  /** True while the feed is connected (waiters then poll rarely). */
  readonly connected: boolean;
  /** Adds a listener (connecting on first use); returns the function that removes it. */
  subscribe(listener: ChangeListener): () => void;
}

/** An environment as the engine uses it: its backend and, when it has one, its change feed. */
export interface BackendConnection {
  readonly client: Backend;
  /** The project's change feed, once it could be opened. */
  readonly events?: ChangeFeed;
}

/** Resolves an environment name (from a deployment's target) to its connection. */
export type BackendResolver = (environment: string) => Promise<BackendConnection>;
