import type { Logger } from "pino";
import type { Deployment, DeploymentError, DeploymentState } from "../domain/index.js";
import {
  isRemoved,
  RancherApiError,
  RancherUnavailableError,
  type Service,
  type ServiceRef,
} from "../rancher/index.js";
import { waitForService, type BackendConnection } from "../backend/index.js";
import { StoreConflictError, StoreUnavailableError, type DeploymentPatch } from "../store/index.js";
import type { DeployContext } from "./deploy-context.js";
import { currentImage, deploymentImage } from "./service-inspection.js";

/** Where a run starts: the beginning, or a later step when resuming after a restart (see `planRecovery`). */
export type StartStep =
  "prepare" | "await-upgraded" | "verify" | "finish" | "await-finished" | "rollback" | "await-rolled-back";

export interface RunOptions {
  readonly startAt?: StartStep;
  /** Aborted by an operator cancel. */
  readonly signal: AbortSignal;
  /** Aborted when the process shuts down: the run stops where it is, non-terminal, for recovery. */
  readonly shutdown?: AbortSignal;
  /** Why a resumed rollback happens. */
  readonly reason?: DeploymentError;
}

/** Back-off between attempts at a write the store refused (full, read-only, I/O error): 1 s doubling to 30 s. */
export function storeRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.min(Math.max(0, attempt - 1), 5));
}

/** Pause between attempts when a phase waits out Rancher being unavailable. */
export const UNAVAILABLE_PAUSE_MS = 1_000;

/**
 * Errors worth trying again later within a phase's deadline: Rancher unreachable after the
 * client's own retries, or still answering 409 Conflict.
 */
export function isRetryableLater(error: unknown): boolean {
  return (
    error instanceof RancherUnavailableError || (error instanceof RancherApiError && error.httpStatus === 409)
  );
}

/**
 * The state of one deployment run and the primitives every phase uses: persisting transitions
 * and notes, reading the service (re-resolving on 404), and waiting for a service state. The
 * phases themselves (`upgrade-phase.ts`, `verify-phase.ts`, `finish-phase.ts`, `roll-back.ts`,
 * `settle-service.ts`) take the run as their first argument.
 */
export class DeploymentRun {
  readonly ctx: DeployContext;
  readonly options: RunOptions;
  readonly log: Logger;
  /** `name:tag` this deployment runs (N). */
  readonly image: string;
  /** True once an upgrade POST may have reached Rancher (a cancel or failure then rolls back). */
  upgradePosted = false;
  /** How many writes the store refused so far (the run waited them out); phases that measure time watch it. */
  storeStalls = 0;
  #d: Deployment;
  #rancher: BackendConnection | undefined;
  #ref: ServiceRef | undefined;
  #lastRancherError: string | undefined;

  constructor(ctx: DeployContext, deployment: Deployment, options: RunOptions) {
    this.ctx = ctx;
    this.#d = deployment;
    this.options = options;
    this.image = deploymentImage(deployment);
    this.log = ctx.logger.child({ deploymentId: deployment.id, target: deployment.targetKey });
  }

  /** The deployment as last persisted. */
  get d(): Deployment {
    return this.#d;
  }

  get rancher(): BackendConnection {
    if (this.#rancher === undefined) throw new Error("run not connected to Rancher yet");
    return this.#rancher;
  }

  get ref(): ServiceRef {
    if (this.#ref === undefined) throw new Error("service not resolved yet");
    return this.#ref;
  }

  /** Gets the environment's Rancher client and resolves the target service (cached ids); once. */
  async connect(): Promise<void> {
    this.#rancher ??= await this.ctx.rancher(this.#d.target.environment);
    this.#ref ??= await this.#resolve(false);
  }

  /** True when the target's launch config runs this deployment's image. */
  runsNew(service: Service): boolean {
    return currentImage(service, this.#d.target.sidekick) === this.image;
  }

  /**
   * GETs the service. Until an upgrade was posted, a cached id that answers 404 or names a
   * removed service (Rancher 1.6 keeps those readable by id) is resolved again by name: the
   * service may have been recreated. Once an upgrade was posted, only that service is ever used.
   */
  async getService(): Promise<Service> {
    let service: Service;
    try {
      service = await this.rancher.client.getService(this.ref);
    } catch (error) {
      if (!(error instanceof RancherApiError) || error.httpStatus !== 404 || this.upgradePosted) throw error;
      return this.#reresolve();
    }
    return isRemoved(service) && !this.upgradePosted ? this.#reresolve() : service;
  }

  /** GETs the service, or undefined when Rancher is unavailable right now. */
  async readService(): Promise<Service | undefined> {
    try {
      return await this.getService();
    } catch (error) {
      if (error instanceof RancherUnavailableError) return undefined;
      throw error;
    }
  }

  /** Pauses, then reads the service — again while Rancher is unavailable; undefined at the deadline. */
  async readWhenAvailable(deadline: number): Promise<Service | undefined> {
    for (;;) {
      await this.pause(deadline);
      this.checkCanceled();
      const service = await this.readService();
      if (service !== undefined) return service;
      if (this.ctx.now() >= deadline) return undefined;
    }
  }

  /** Sleeps {@link UNAVAILABLE_PAUSE_MS}, or until the deadline if that comes first. */
  pause(deadline: number): Promise<void> {
    return this.ctx.sleep(Math.max(0, Math.min(UNAVAILABLE_PAUSE_MS, deadline - this.ctx.now())));
  }

  /** Waits (events + polling) until `until(service)` holds; records Rancher's `transitioning: error` as notes. */
  wait(expected: string, deadlineAt: number, until: (service: Service) => boolean): Promise<Service> {
    return waitForService({
      client: this.rancher.client,
      ref: this.ref,
      events: this.rancher.events,
      until,
      expected,
      deadlineAt,
      now: this.ctx.now,
      sleep: this.ctx.sleep,
      logger: this.log,
      signal: this.#waitSignal(),
      onObserve: (service) => {
        if (service.transitioning === "error" && service.transitioningMessage !== this.#lastRancherError) {
          this.#lastRancherError = service.transitioningMessage ?? "";
          void this.annotate(
            "note",
            `Rancher reports an error (not terminal before the deadline): ${this.#lastRancherError}`,
          );
        }
      },
    });
  }

  /** Throws the abort reason when the process shuts down or an operator canceled. */
  checkCanceled(): void {
    this.options.shutdown?.throwIfAborted();
    this.options.signal.throwIfAborted();
  }

  /**
   * Persists a state change. A store that cannot write now is waited out (see {@link #persist}):
   * the run keeps its target and posts nothing until the change is recorded.
   */
  async move(to: DeploymentState, detail: string, patch?: DeploymentPatch): Promise<Deployment> {
    const from = this.#d.state;
    this.#d = await this.#persist(`move to ${to}`, (retry) => {
      try {
        return this.ctx.store.transition({
          id: this.#d.id,
          from,
          to,
          detail,
          ...(patch === undefined ? {} : { patch }),
        });
      } catch (error) {
        // An earlier attempt that reported a failure may have committed after all (an I/O error
        // at commit): the deployment is already where this move takes it.
        const current = retry && error instanceof StoreConflictError && error.currentState === to;
        const stored = current ? this.ctx.store.get(this.#d.id) : undefined;
        if (stored === undefined) throw error;
        return stored;
      }
    });
    this.log.info({ state: to, detail }, "deployment state changed");
    this.ctx.onEvent?.(this.#d, { kind: "transition", state: to, detail });
    return this.#d;
  }

  /** Persists an event (and patch fields); a store that cannot write now is waited out like {@link move}. */
  async annotate(
    kind: "action" | "note",
    detail: string,
    patch?: DeploymentPatch,
    data?: Record<string, unknown>,
  ): Promise<void> {
    this.#d = await this.#persist(`record a ${kind}`, () =>
      this.ctx.store.annotate(this.#d.id, kind, detail, patch, data),
    );
    this.log.debug({ kind, detail }, "deployment event");
    this.ctx.onEvent?.(this.#d, { kind, state: this.#d.state, detail });
  }

  /**
   * Runs a store write, trying again with back-off ({@link storeRetryDelayMs}, on the injected
   * clock) while the store raises {@link StoreUnavailableError}. Nothing is posted to Rancher
   * meanwhile, since every phase awaits its write before acting. Stops (throwing) on shutdown.
   */
  async #persist<T>(what: string, write: (retry: boolean) => T): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = write(attempt > 1);
        if (attempt > 1) this.log.info({ attempts: attempt }, "store accepts writes again");
        return result;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        this.storeStalls += 1;
        this.options.shutdown?.throwIfAborted();
        const delayMs = storeRetryDelayMs(attempt);
        this.log.warn(
          { attempt, delayMs, code: error.sqliteCode, err: { message: error.message } },
          `store cannot ${what} now; keeping the target and trying again`,
        );
        await this.#sleepUnlessShutdown(delayMs);
        this.options.shutdown?.throwIfAborted();
      }
    }
  }

  /** `ctx.sleep`, cut short when the process shuts down. */
  async #sleepUnlessShutdown(ms: number): Promise<void> {
    const shutdown = this.options.shutdown;
    if (shutdown === undefined) return this.ctx.sleep(ms);
    let onAbort = (): void => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = () => resolve();
      shutdown.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([this.ctx.sleep(ms), aborted]);
    } finally {
      shutdown.removeEventListener("abort", onAbort);
    }
  }

  async #reresolve(): Promise<Service> {
    const stale = this.ref.serviceId;
    this.#ref = await this.#resolve(true);
    this.log.info({ stale, serviceId: this.#ref.serviceId }, "cached service id was stale; resolved again");
    return this.rancher.client.getService(this.#ref);
  }

  async #resolve(fresh: boolean): Promise<ServiceRef> {
    const { stack, service } = this.#d.target;
    return this.rancher.client.resolveService(stack, service, fresh);
  }

  /** Waits stop on shutdown always, and on cancel unless already rolling back. */
  #waitSignal(): AbortSignal | undefined {
    const signals = [
      this.options.shutdown,
      this.#d.state === "rolling-back" ? undefined : this.options.signal,
    ].filter((signal): signal is AbortSignal => signal !== undefined);
    return signals.length === 0 ? undefined : AbortSignal.any(signals);
  }
}
