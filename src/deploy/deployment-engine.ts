import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { isTerminal, type Deployment } from "../domain/index.js";
import { DeploymentNotFoundError, StoreConflictError, type NewDeployment } from "../store/index.js";
import type { DeployContext } from "./deploy-context.js";
import { recoverDeployment } from "./recover-deployment.js";
import { runDeployment, type StartStep } from "./run-deployment.js";

export const DEFAULT_CONCURRENCY = 16;

interface Running {
  readonly id: string;
  readonly cancel: AbortController;
  readonly done: Promise<void>;
}

export interface EngineStats {
  readonly queued: number;
  readonly inFlight: number;
}

/**
 * Runs deployments: at most one per target (environment/stack/service) at a time, at most
 * `concurrency` in all, targets served in arrival order (fairness). A newer push for the same
 * target and launch config supersedes the queued one. Deployments are stored before they get
 * here; the engine only moves them on.
 */
export class DeploymentEngine {
  readonly #ctx: DeployContext;
  readonly #concurrency: number;
  readonly #log: Logger;
  readonly #queues = new Map<string, string[]>();
  readonly #ready: string[] = [];
  readonly #running = new Map<string, Running>();
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
      if (!this.#running.has(deployment.targetKey) && !this.#ready.includes(deployment.targetKey))
        this.#ready.push(deployment.targetKey);
    }
    this.#dispatch();
  }

  /**
   * Cancels a deployment: a queued one becomes `canceled` at once; a running one is stopped and
   * rolled back if its upgrade had started (it ends `canceled`). Returns the deployment as it is now.
   * @throws {StoreConflictError} when it is already terminal.
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
    const queue = this.#queues.get(deployment.targetKey);
    if (queue !== undefined) queue.splice(queue.indexOf(id) >>> 0, queue.includes(id) ? 1 : 0);
    return this.#transition(deployment, "canceled", "canceled by an operator while queued", {
      error: { code: "ERR_CANCELED", message: "canceled by an operator" },
    });
  }

  /** Resolves when every given deployment is terminal, or after `timeoutMs` with the states they are in. */
  async waitForTerminal(ids: readonly string[], timeoutMs: number): Promise<Deployment[]> {
    const current = (): Deployment[] =>
      ids.map((id) => this.#ctx.store.get(id)).filter((d): d is Deployment => d !== undefined);
    if (current().every((d) => isTerminal(d.state))) return current();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve(current());
      };
      const unsubscribe = this.onTransition((deployment) => {
        if (ids.includes(deployment.id) && current().every((d) => isTerminal(d.state))) finish();
      });
      const timer = setTimeout(finish, timeoutMs);
    });
  }

  /**
   * Start-up recovery (product spec §3.1): every non-terminal deployment is checked against
   * Rancher's actual state and queued, resumed at the right step, or finished. Each decision is
   * written to the deployment's event log.
   */
  async recover(): Promise<void> {
    const active = this.#ctx.store.listActive();
    for (const deployment of active) {
      if (deployment.state === "queued") continue;
      await this.#tryRecover(deployment, 1);
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
    await Promise.all([...this.#running.values()].map((running) => running.done));
  }

  /** Resolves when nothing is queued or running (tests, CLI). */
  async whenIdle(): Promise<void> {
    while (this.#running.size > 0 || this.stats().queued > 0) {
      await Promise.all([...this.#running.values()].map((running) => running.done));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Recovers one deployment; if Rancher cannot be asked now, tries again later (backing off). */
  async #tryRecover(deployment: Deployment, attempt: number): Promise<void> {
    if (this.#closed) return;
    try {
      await recoverDeployment(this.#ctx, deployment, {
        log: this.#log,
        enqueue: (d) => this.enqueue(d),
        resume: (d, startAt) => this.#start(d, startAt),
        transition: (d, to, detail, patch) => this.#transition(d, to, detail, patch),
        submit: (input) => this.submit(input),
      });
    } catch (error) {
      const delayMs = Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 6));
      this.#log.warn(
        { err: error, deploymentId: deployment.id, delayMs },
        "recovery could not read Rancher; trying again later",
      );
      this.#retryTimers.add(
        setTimeout(() => {
          void this.#tryRecover(deployment, attempt + 1);
        }, delayMs).unref(),
      );
    }
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
      if (this.#running.has(key)) continue;
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

  #start(deployment: Deployment, startAt: StartStep): void {
    const key = deployment.targetKey;
    const cancel = new AbortController();
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
        if ((this.#queues.get(key)?.length ?? 0) > 0 && !this.#ready.includes(key)) this.#ready.push(key);
        this.#dispatch();
      });
    this.#running.set(key, { id: deployment.id, cancel, done });
  }
}
