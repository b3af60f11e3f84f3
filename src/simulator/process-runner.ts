import type { Logger } from "pino";
import type { SimTiming } from "./behaviours.js";
import type { SimClock } from "./sim-clock.js";
import type { SimService } from "./sim-model.js";
import { ProcessAbortedError, StepFailedError } from "./sim-errors.js";
import type { SimState } from "./sim-state.js";

/** What a wait condition reports: done, not yet, or a failure message (fails the step now). */
export type WaitResult = boolean | string;

/** Handed to a running service process: abortable sleeps and waits on the simulated clock. */
export interface ProcessContext {
  readonly service: SimService;
  /** Throws {@link ProcessAbortedError} if another action superseded this process. */
  ensureActive(): void;
  sleep(ms: number): Promise<void>;
  /**
   * Resolves once `check()` returns true (re-checked on every change of this service or its
   * containers). A string result fails the step with that message; so does the timeout.
   */
  waitFor(check: () => WaitResult, timeoutMs: number, timeoutMessage: () => string): Promise<void>;
}

export type ProcessBody = (context: ProcessContext) => Promise<void>;

/** What the process runner needs: the world (to publish and watch changes), time and a logger. */
export interface ProcessRunnerDeps {
  readonly state: SimState;
  readonly clock: SimClock;
  readonly timing: Pick<SimTiming, "processRetryMs">;
  readonly logger: Logger | undefined;
}

interface Token {
  aborted: boolean;
  readonly cancels: Set<() => void>;
}

/**
 * Runs at most one Cattle process per service. A new process aborts the running one (the way a
 * `rollback` stops an upgrade loop). A step that throws {@link StepFailedError} puts the service in
 * `transitioning: "error"` with the message; the process is replayed after `processRetryMs`,
 * setting `transitioning` back to `"yes"` (docs/rancher-api.md §3.4).
 */
export class ProcessRunner {
  readonly #engine: ProcessRunnerDeps;
  readonly #running = new Map<number, Token>();

  constructor(engine: ProcessRunnerDeps) {
    this.#engine = engine;
  }

  /** Aborts whatever runs for the service and starts `body` on the next clock tick. */
  start(service: SimService, name: string, body: ProcessBody): void {
    this.abort(service);
    const token: Token = { aborted: false, cancels: new Set() };
    this.#running.set(service.id, token);
    this.#engine.clock.setTimer(0, () => {
      void this.#loop(service, name, body, token);
    });
  }

  abort(service: SimService): void {
    const token = this.#running.get(service.id);
    if (token === undefined) return;
    this.#running.delete(service.id);
    token.aborted = true;
    for (const cancel of [...token.cancels]) cancel();
  }

  isRunning(service: SimService): boolean {
    return this.#running.has(service.id);
  }

  dispose(): void {
    for (const token of this.#running.values()) {
      token.aborted = true;
      for (const cancel of [...token.cancels]) cancel();
    }
    this.#running.clear();
  }

  async #loop(service: SimService, name: string, body: ProcessBody, token: Token): Promise<void> {
    const context = this.#context(service, token);
    for (;;) {
      if (token.aborted) return;
      try {
        await body(context);
        if (this.#running.get(service.id) === token) this.#running.delete(service.id);
        return;
      } catch (error) {
        if (token.aborted || error instanceof ProcessAbortedError) return;
        const message =
          error instanceof StepFailedError ? error.message : `process ${name} failed: ${String(error)}`;
        if (!(error instanceof StepFailedError))
          this.#engine.logger?.error({ err: error, process: name }, "simulator bug");
        this.#setTransitioning(service, "error", message);
        try {
          await context.sleep(this.#engine.timing.processRetryMs);
        } catch {
          return;
        }
        this.#setTransitioning(service, "yes", null);
      }
    }
  }

  #setTransitioning(service: SimService, value: "yes" | "error", message: string | null): void {
    service.transitioning = value;
    service.transitioningMessage = message;
    this.#engine.state.changed("service", service.id, service.projectId);
  }

  #context(service: SimService, token: Token): ProcessContext {
    const { clock, state } = this.#engine;
    const ensureActive = (): void => {
      if (token.aborted) throw new ProcessAbortedError("process superseded");
    };
    return {
      service,
      ensureActive,
      sleep: (ms) =>
        new Promise<void>((resolve, reject) => {
          ensureActive();
          const cancel = (): void => {
            clock.clearTimer(timer);
            reject(new ProcessAbortedError("process superseded"));
          };
          const timer = clock.setTimer(ms, () => {
            token.cancels.delete(cancel);
            resolve();
          });
          token.cancels.add(cancel);
        }),
      waitFor: (check, timeoutMs, timeoutMessage) =>
        new Promise<void>((resolve, reject) => {
          ensureActive();
          let settled = false;
          const finish = (error?: Error): void => {
            if (settled) return;
            settled = true;
            unsubscribe();
            clock.clearTimer(timer);
            token.cancels.delete(cancel);
            if (error === undefined) resolve();
            else reject(error);
          };
          const evaluate = (): void => {
            const result = check();
            if (result === true) finish();
            else if (typeof result === "string") finish(new StepFailedError(result));
          };
          const cancel = (): void => finish(new ProcessAbortedError("process superseded"));
          const unsubscribe = state.onChange((change) => {
            if (change.serviceId === service.id) evaluate();
          });
          const timer = clock.setTimer(timeoutMs, () => finish(new StepFailedError(timeoutMessage())));
          token.cancels.add(cancel);
          evaluate();
        }),
    };
  }
}
