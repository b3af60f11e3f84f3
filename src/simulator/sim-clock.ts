import { SimulatorError } from "./sim-errors.js";

/** A pending timer on a {@link SimClock}. */
export interface SimTimer {
  readonly id: number;
}

/**
 * The simulator's notion of time. Every delay inside the simulator (image pulls, health checks,
 * batch intervals, websocket pings) is expressed in simulated milliseconds and goes through this.
 */
export interface SimClock {
  /** True for a clock that only moves when the test calls `advance`. */
  readonly manual: boolean;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Runs `callback` once, `delayMs` simulated milliseconds from now. */
  setTimer(delayMs: number, callback: () => void): SimTimer;
  clearTimer(timer: SimTimer | undefined): void;
  /** Drops every pending timer (used when the simulator closes). */
  dispose(): void;
}

interface PendingTimer {
  readonly at: number;
  readonly callback: () => void;
}

const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Default start of a manual clock: 2024-01-01T00:00:00Z (fixed so runs are reproducible). */
export const MANUAL_CLOCK_START_MS = Date.UTC(2024, 0, 1);

/**
 * A clock that tests drive: time stands still until `advance`/`advanceUntil`, which fire due timers
 * in order and let the simulator's async steps settle between timers. No real sleeping.
 */
export class ManualClock implements SimClock {
  readonly manual = true;
  #now: number;
  #sequence = 0;
  readonly #timers = new Map<number, PendingTimer>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(startMs: number = MANUAL_CLOCK_START_MS) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): SimTimer {
    this.#sequence += 1;
    this.#timers.set(this.#sequence, { at: this.#now + Math.max(0, delayMs), callback });
    return { id: this.#sequence };
  }

  clearTimer(timer: SimTimer | undefined): void {
    if (timer !== undefined) this.#timers.delete(timer.id);
  }

  dispose(): void {
    this.#timers.clear();
  }

  /** Number of timers waiting to fire. */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): Promise<void> {
    return this.#serialise(async () => {
      await this.#runUntil(this.#now + Math.max(0, ms));
    });
  }

  /**
   * Moves time forward timer by timer until `condition()` holds; resolves with the simulated
   * milliseconds that passed.
   * @throws {SimulatorError} when the condition still fails after `maxMs`.
   */
  advanceUntil(condition: () => boolean, maxMs = 600_000): Promise<number> {
    return this.#serialise(async () => {
      const start = this.#now;
      const deadline = start + maxMs;
      await flushMicrotasks();
      while (!condition()) {
        const next = this.#nextDue();
        if (next === undefined || next.at > deadline) {
          this.#now = Math.max(this.#now, deadline);
          throw new SimulatorError(`condition not reached within ${String(maxMs)} simulated ms`);
        }
        await this.#runUntil(next.at);
      }
      return this.#now - start;
    });
  }

  #serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #nextDue(): (PendingTimer & { id: number }) | undefined {
    let best: (PendingTimer & { id: number }) | undefined;
    for (const [id, timer] of this.#timers) {
      if (best === undefined || timer.at < best.at || (timer.at === best.at && id < best.id)) {
        best = { ...timer, id };
      }
    }
    return best;
  }

  async #runUntil(target: number): Promise<void> {
    await flushMicrotasks();
    for (;;) {
      const next = this.#nextDue();
      if (next === undefined || next.at > target) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await flushMicrotasks();
    }
    this.#now = Math.max(this.#now, target);
  }
}

/**
 * Real time, sped up or slowed down: a simulated delay of `d` ms takes `d × timeScale` real ms,
 * and `now()` runs `1 / timeScale` times as fast as the wall clock.
 */
export class ScaledClock implements SimClock {
  readonly manual = false;
  readonly timeScale: number;
  readonly #startWall = Date.now();
  #sequence = 0;
  readonly #handles = new Map<number, NodeJS.Timeout>();
  readonly #onError: (error: unknown) => void;

  constructor(timeScale = 1, onError: (error: unknown) => void = () => undefined) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new SimulatorError(`timeScale must be a positive number, got ${String(timeScale)}`);
    }
    this.timeScale = timeScale;
    this.#onError = onError;
  }

  now(): number {
    return Math.round(this.#startWall + (Date.now() - this.#startWall) / this.timeScale);
  }

  setTimer(delayMs: number, callback: () => void): SimTimer {
    this.#sequence += 1;
    const id = this.#sequence;
    const handle = setTimeout(
      () => {
        this.#handles.delete(id);
        try {
          callback();
        } catch (error) {
          this.#onError(error);
        }
      },
      Math.max(0, delayMs) * this.timeScale,
    );
    this.#handles.set(id, handle);
    return { id };
  }

  clearTimer(timer: SimTimer | undefined): void {
    if (timer === undefined) return;
    clearTimeout(this.#handles.get(timer.id));
    this.#handles.delete(timer.id);
  }

  dispose(): void {
    for (const handle of this.#handles.values()) clearTimeout(handle);
    this.#handles.clear();
  }
}
