import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { isTerminal, type Deployment } from "../domain/index.js";
import { DeploymentNotFoundError, StoreConflictError, type NewDeployment } from "../store/index.js";
import type { DeployContext } from "./deploy-context.js";
import { ERR } from "./deployment-failure.js";
import { recoverDeployment } from "./recover-deployment.js";
import { runDeployment, type StartStep } from "./run-deployment.js";

export const DEFAULT_CONCURRENCY = 16;

interface Running {
  readonly id: string;
  readonly cancel: AbortController;
  readonly done: Promise<void>;
}

/** A non-terminal deployment found at start-up whose recovery has not decided yet (Rancher not answering). */
interface PendingRecovery {
  readonly targetKey: string;
  /** Aborted by an operator cancel; the run recovery resumes starts canceled (and so rolls back). */
  readonly cancel: AbortController;
}

export interface EngineStats {
  readonly queued: number;
  readonly inFlight: number;
}

/**
 * Runs deployments: at most one per target (environment/stack/service) at a time, at most
 * `concurrency` in all, targets served in arrival order (fairness). A newer push for the same
 * target and launch config supersedes the queued one. Deployments are stored before they get
 * here; the engine only moves them on. A target whose deployment from before a restart still awaits
 * recovery (Rancher not answering yet) counts as busy: new work for it waits in the queue until
 * recovery has decided.
 */
export class DeploymentEngine {
  readonly #ctx: DeployContext;
  readonly #concurrency: number;
  readonly #log: Logger;
  readonly #queues = new Map<string, string[]>();
  readonly #ready: string[] = [];
  readonly #running = new Map<string, Running>();
  /** Deployments (by id) whose start-up recovery is pending; their targets are busy. */
  readonly #recovering = new Map<string, PendingRecovery>();
  readonly #recoveryLoops = new Set<Promise<void>>();
  readonly #events = new EventEmitter();
  readonly #shutdown = new AbortController();
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(ctx: DeployContext, concurrency = DEFAULT_CONCURRENCY) {
    this.#events.setMaxListeners(0);
    this.#log = ctx.logger.child({ component: "engine" });
    const onEvent = ctx.onEvent;
    this.#ctx = {
      ...ctx,
      onEvent: (deployment, event) => {
        onEvent?.(deployment, event);
        if (event.kind === "transition") this.#events.emit("transition", deployment);
      },
    };
    this.#concurrency = Math.max(1, concurrency);
  }

  /** Calls `listener` after every state change of any deployment; returns the unsubscribe function. */
  onTransition(listener: (deployment: Deployment) => void): () => void {
    this.#events.on("transition", listener);
    return () => this.#events.off("transition", listener);
  }

  stats(): EngineStats {
    let queued = 0;
    for (const ids of this.#queues.values()) queued += ids.length;
    return { queued, inFlight: this.#running.size };
  }

  /** Creates a deployment in the store and queues it (manual deploys, CLI, rollbacks, retries). */
  submit(input: NewDeployment): Deployment {
    const deployment = this.#ctx.store.create(input);
    this.enqueue(deployment);
    return deployment;
  }

  /** Queues stored `queued` deployments, superseding older queued ones for the same target and launch config. */
  enqueue(...deployments: readonly Deployment[]): void {
    for (const deployment of deployments) {
      if (deployment.state !== "queued") continue;
      const queue = this.#queues.get(deployment.targetKey) ?? [];
      for (const olderId of [...queue]) {
        const older = this.#ctx.store.get(olderId);
        if (
          older === undefined ||
          (older.target.sidekick ?? "").toLowerCase() !== (deployment.target.sidekick ?? "").toLowerCase()
        )
          continue;
        this.#transition(
          older,
          "superseded",
          `superseded by ${deployment.id} (${deployment.image}:${deployment.tag})`,
          { supersededBy: deployment.id },
        );
        queue.splice(queue.indexOf(olderId), 1);
      }
      queue.push(deployment.id);
      this.#queues.set(deployment.targetKey, queue);
      if (!this.#busy(deployment.targetKey) && !this.#ready.includes(deployment.targetKey))
        this.#ready.push(deployment.targetKey);
    }
    this.#dispatch();
  }

  /**
   * Cancels a deployment: a queued one becomes `canceled` at once; a running one is stopped and
   * rolled back if its upgrade had started (it ends `canceled`). A deployment from before a restart
   * whose recovery is still waiting for Rancher is only marked: once Rancher answers, recovery
   * resumes it already canceled, so it ends `canceled` (rolled back if its upgrade had started), or
   * recovery records the outcome Rancher shows when the deployment had already ended. Returns the
   * deployment as it is now (still non-terminal unless it was queued).
   * @throws {StoreConflictError} when it is already terminal, or past `queued` but not run by this
   * engine (e.g. left by a shutdown), where canceling without a rollback would be wrong.
   */
  cancel(id: string): Deployment {
    const deployment = this.#ctx.store.get(id);
    if (deployment === undefined) throw new DeploymentNotFoundError(`deployment ${id} not found`);
    if (isTerminal(deployment.state))
      throw new StoreConflictError(`deployment ${id} is already ${deployment.state}`);
    const running = this.#running.get(deployment.targetKey);
    if (running?.id === id) {
      running.cancel.abort();
      this.#ctx.store.annotate(id, "note", "cancel requested by an operator");
      return this.#ctx.store.get(id) ?? deployment;
    }
    const pending = this.#recovering.get(id);
    if (pending !== undefined) {
      if (!pending.cancel.signal.aborted) {
        pending.cancel.abort();
        this.#ctx.store.annotate(
          id,
          "note",
          "cancel requested by an operator; recovery is waiting for Rancher and will roll back if the upgrade had started",
        );
      }
      return this.#ctx.store.get(id) ?? deployment;
    }
    if (deployment.state !== "queued")
      throw new StoreConflictError(
        `deployment ${id} is ${deployment.state} but not run by this drover process; it cannot be canceled now`,
      );
    const queue = this.#queues.get(deployment.targetKey);
    if (queue !== undefined) queue.splice(queue.indexOf(id) >>> 0, queue.includes(id) ? 1 : 0);
    return this.#transition(deployment, "canceled", "canceled by an operator while queued", {
      error: { code: ERR.CANCELED, message: "canceled by an operator" },
    });
  }

  /**
   * Resolves with the deployments as they are once every one is terminal, after `timeoutMs`, or
   * when `signal` aborts (a client that left, a server shutting down) — whichever comes first. Its
   * listener, timer and abort handler are removed then. Rejects if the store cannot be read.
   * `timeoutMs` may be `Infinity`: no timer, the caller bounds the wait with `signal`.
   */
  async waitForTerminal(
    ids: readonly string[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Deployment[]> {
    const current = (): Deployment[] =>
      ids.map((id) => this.#ctx.store.get(id)).filter((d): d is Deployment => d !== undefined);
    const initial = current();
    if (signal?.aborted === true || initial.every((d) => isTerminal(d.state))) return initial;
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener("abort", finish);
        try {
          resolve(current());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const unsubscribe = this.onTransition((deployment) => {
        if (ids.includes(deployment.id) && current().every((d) => isTerminal(d.state))) finish();
      });
      const timer = Number.isFinite(timeoutMs) ? setTimeout(finish, timeoutMs) : undefined;
      signal?.addEventListener("abort", finish, { once: true });
    });
  }

  /**
   * Start-up recovery (the crash-recovery table: docs/reliability.md and `planRecovery`): every non-terminal deployment is checked against
   * Rancher's actual state and queued, resumed at the right step, or finished. Each decision is
   * written to the deployment's event log.
   */
  async recover(): Promise<void> {
    const active = this.#ctx.store.listActive();
    const started = active.filter((deployment) => deployment.state !== "queued");
    // Every target with something to recover is busy until its recovery has decided.
    for (const deployment of started)
      this.#recovering.set(deployment.id, { targetKey: deployment.targetKey, cancel: new AbortController() });
    for (const deployment of started) {
      if (await this.#recoverOnce(deployment.id)) continue;
      const loop = this.#keepRecovering(deployment.id).finally(() => this.#recoveryLoops.delete(loop));
      this.#recoveryLoops.add(loop);
    }
    // Queued work last, so it waits behind what was already running for its target.
    this.enqueue(...active.filter((deployment) => deployment.state === "queued"));
  }

  /**
   * Picks up deployments queued by other processes sharing the database (`drover deploy` without
   * `--wait`) every `intervalMs`. Returns the function that stops it.
   */
  watchStore(intervalMs: number): () => void {
    const known = (id: string, key: string): boolean =>
      this.#running.get(key)?.id === id || (this.#queues.get(key)?.includes(id) ?? false);
    const timer = setInterval(() => {
      if (this.#closed) return;
      const fresh = this.#ctx.store
        .listActive()
        .filter((deployment) => deployment.state === "queued" && !known(deployment.id, deployment.targetKey));
      if (fresh.length > 0) {
        this.#log.info({ count: fresh.length }, "picked up deployments queued by another process");
        this.enqueue(...fresh);
      }
    }, intervalMs);
    timer.unref();
    this.#retryTimers.add(timer);
    return () => clearInterval(timer);
  }

  /** Stops starting work; running deployments stop at their next wait and stay non-terminal for recovery. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#shutdown.abort();
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    await Promise.all([...this.#recoveryLoops]);
    await Promise.all([...this.#running.values()].map((running) => running.done));
  }

  /** Resolves when nothing is queued or running (tests, CLI). */
  async whenIdle(): Promise<void> {
    while (this.#running.size > 0 || this.stats().queued > 0) {
      await Promise.all([...this.#running.values()].map((running) => running.done));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Recovers one deployment whose recovery is pending, from its stored state as it is now (an
   * operator may have canceled meanwhile). Returns false when Rancher could not be asked (try
   * again later), true when recovery has decided or there is nothing left to decide.
   */
  async #recoverOnce(id: string, attempt = 1): Promise<boolean> {
    const pending = this.#recovering.get(id);
    if (this.#closed || pending === undefined) return true;
    const deployment = this.#ctx.store.get(id);
    if (deployment === undefined || isTerminal(deployment.state)) {
      this.#endRecovery(id);
      return true;
    }
    try {
      await recoverDeployment(this.#ctx, deployment, {
        log: this.#log,
        enqueue: (d) => this.enqueue(d),
        resume: (d, startAt) => this.#start(d, startAt, pending.cancel),
        transition: (d, to, detail, patch) => this.#transition(d, to, detail, patch),
        submit: (input) => this.#submitFirst(input),
      });
    } catch (error) {
      if (this.#closed) return true;
      this.#log.warn(
        { err: error, deploymentId: id, attempt, delayMs: recoveryDelayMs(attempt) },
        "recovery could not read Rancher; trying again later",
      );
      return false;
    }
    this.#endRecovery(id);
    return true;
  }

  /** Tries a pending recovery again (backing off, on the injected clock) until it decides or the engine closes. */
  async #keepRecovering(id: string): Promise<void> {
    let onShutdown = (): void => undefined;
    const shutdown = new Promise<void>((resolve) => {
      onShutdown = () => resolve();
    });
    this.#shutdown.signal.addEventListener("abort", onShutdown, { once: true });
    try {
      for (let attempt = 1; !this.#closed; attempt += 1) {
        await Promise.race([this.#ctx.sleep(recoveryDelayMs(attempt)), shutdown]);
        if (await this.#recoverOnce(id, attempt + 1)) return;
      }
    } finally {
      this.#shutdown.signal.removeEventListener("abort", onShutdown);
    }
  }

  /** Recovery has decided (or the deployment ended meanwhile): its target takes queued work again. */
  #endRecovery(id: string): void {
    const pending = this.#recovering.get(id);
    if (pending === undefined) return;
    this.#recovering.delete(id);
    const key = pending.targetKey;
    if (!this.#busy(key) && (this.#queues.get(key)?.length ?? 0) > 0 && !this.#ready.includes(key))
      this.#ready.push(key);
    this.#dispatch();
  }

  /**
   * A rollback deployment started by recovery: runs first for its target and supersedes nothing
   * (pushes queued while recovery was pending are newer intent and run after it).
   */
  #submitFirst(input: NewDeployment): Deployment {
    const deployment = this.#ctx.store.create(input);
    const queue = this.#queues.get(deployment.targetKey) ?? [];
    queue.unshift(deployment.id);
    this.#queues.set(deployment.targetKey, queue);
    if (!this.#busy(deployment.targetKey) && !this.#ready.includes(deployment.targetKey))
      this.#ready.push(deployment.targetKey);
    this.#dispatch();
    return deployment;
  }

  /** A target is busy while one of its deployments runs or awaits recovery. */
  #busy(key: string): boolean {
    if (this.#running.has(key)) return true;
    for (const pending of this.#recovering.values()) if (pending.targetKey === key) return true;
    return false;
  }

  #transition(
    deployment: Deployment,
    to: Deployment["state"],
    detail: string,
    patch?: Parameters<DeployContext["store"]["transition"]>[0]["patch"],
  ): Deployment {
    const next = this.#ctx.store.transition({
      id: deployment.id,
      from: deployment.state,
      to,
      detail,
      ...(patch === undefined ? {} : { patch }),
    });
    this.#log.info(
      { deploymentId: next.id, target: next.targetKey, state: to, detail },
      "deployment state changed",
    );
    this.#ctx.onEvent?.(next, { kind: "transition", state: to, detail });
    return next;
  }

  #dispatch(): void {
    while (!this.#closed && this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const key = this.#ready.shift() as string;
      if (this.#busy(key)) continue;
      const queue = this.#queues.get(key) ?? [];
      const id = queue.shift();
      if (queue.length === 0) this.#queues.delete(key);
      if (id === undefined) continue;
      const deployment = this.#ctx.store.get(id);
      if (deployment === undefined || deployment.state !== "queued") {
        if (queue.length > 0) this.#ready.push(key);
        continue;
      }
      this.#start(deployment, "prepare");
    }
  }

  #start(deployment: Deployment, startAt: StartStep, cancel = new AbortController()): void {
    const key = deployment.targetKey;
    const done = runDeployment(this.#ctx, deployment, {
      startAt,
      signal: cancel.signal,
      shutdown: this.#shutdown.signal,
    })
      .then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof StoreConflictError))
            this.#log.error({ err: error, deploymentId: deployment.id }, "deployment run crashed");
        },
      )
      .finally(() => {
        this.#running.delete(key);
        if (!this.#busy(key) && (this.#queues.get(key)?.length ?? 0) > 0 && !this.#ready.includes(key))
          this.#ready.push(key);
        this.#dispatch();
      });
    this.#running.set(key, { id: deployment.id, cancel, done });
  }
}

/** Back-off between attempts at recovering a deployment while Rancher cannot be read: 2 s doubling to 60 s. */
function recoveryDelayMs(attempt: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 6));
}
