import { AsyncLocalStorage } from "node:async_hooks";
import type { SimulatorControl } from "../../src/simulator/index.js";

interface Sleeper {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/** Marks the async context of a tracked operation, so a sleep inside it (HTTP backoff) is not "busy". */
const insideTracked = new AsyncLocalStorage<true>();

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const realDelay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Drover's `now`/`sleep` on the simulator's manual clock. `sleep(ms)` registers a sleeper due at
 * `clock.now() + ms`; {@link VirtualTime.runUntil} advances the clock in steps (to the next due
 * sleeper, at most `maxStepMs`), releases the sleepers that fell due, and between steps yields
 * to real I/O until the code under test is quiet: no tracked operation (HTTP call) in flight and
 * nothing new happened for a few event-loop turns. Time never moves while drover is talking to
 * the simulator, so a run is a deterministic function of the inputs.
 */
export class VirtualTime {
  readonly #control: SimulatorControl;
  readonly #sleepers: Sleeper[] = [];
  #seq = 0;
  #inFlight = 0;
  /** Tracked operations currently parked on a virtual sleep (waiting for time, not for I/O). */
  #parked = 0;
  #activity = 0;

  constructor(control: SimulatorControl) {
    this.#control = control;
  }

  /** Simulated epoch ms (for the engine and the store). */
  readonly now = (): number => this.#control.clock.now();

  /** Resolves once the clock reached now + ms (released by {@link runUntil}). */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const parked = insideTracked.getStore() === true;
      if (parked) this.#parked += 1;
      this.#seq += 1;
      this.#activity += 1;
      this.#sleepers.push({
        due: this.now() + Math.max(0, ms),
        seq: this.#seq,
        resolve: () => {
          if (parked) this.#parked -= 1;
          resolve();
        },
      });
    });

  /** Calls `fn`; a promise it returns is tracked (in flight until it settles, except while it sleeps). */
  call<T>(fn: () => T): T {
    const result = insideTracked.run(true, fn);
    return result instanceof Promise ? (this.track(result) as T) : result;
  }

  /** Marks `work` in flight until it settles (time does not advance meanwhile). */
  track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight += 1;
    this.#activity += 1;
    return work.finally(() => {
      this.#inFlight -= 1;
      this.#activity += 1;
    });
  }

  /** Counters for diagnostics. */
  stats(): { inFlight: number; parked: number; sleepers: number; now: number } {
    return {
      inFlight: this.#inFlight,
      parked: this.#parked,
      sleepers: this.#sleepers.length,
      now: this.now(),
    };
  }

  /** Counts something that happened (a store event…), so quiet detection sees it. */
  touch(): void {
    this.#activity += 1;
  }

  /** Waits until nothing is in flight and nothing happened for a few event-loop turns. */
  async quiet(): Promise<void> {
    let calm = 0;
    let seen = -1;
    while (calm < 3) {
      await turn();
      await realDelay(0);
      if (this.#inFlight === this.#parked && this.#activity === seen) calm += 1;
      else calm = 0;
      seen = this.#activity;
    }
  }

  /**
   * Steps time forward until `condition()` holds; resolves with the simulated ms that passed.
   * @throws {Error} when it still fails after `maxSimMs`.
   */
  async runUntil(
    condition: () => boolean,
    options: { maxSimMs?: number; maxStepMs?: number } = {},
  ): Promise<number> {
    const { maxSimMs = 600_000, maxStepMs = 500 } = options;
    const start = this.now();
    for (;;) {
      await this.quiet();
      if (condition()) return this.now() - start;
      if (this.now() - start >= maxSimMs)
        throw new Error(`condition not reached within ${String(maxSimMs)} simulated ms`);
      const due = this.#sleepers.reduce((min, s) => Math.min(min, s.due), Number.POSITIVE_INFINITY);
      const target = Math.max(this.now(), Math.min(due, this.now() + maxStepMs));
      await this.#control.clock.advance(target - this.now());
      this.#release();
    }
  }

  /** Settles `work` while releasing every sleeper early (shutting down: nothing may hang on time). */
  async drain<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const settled = work.finally(() => {
      done = true;
    });
    while (!done) {
      for (const sleeper of this.#sleepers.splice(0)) sleeper.resolve();
      await realDelay(2);
    }
    return settled;
  }

  #release(): void {
    const now = this.now();
    const due = this.#sleepers.filter((s) => s.due <= now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    for (const sleeper of due) {
      this.#sleepers.splice(this.#sleepers.indexOf(sleeper), 1);
      sleeper.resolve();
    }
    if (due.length > 0) this.#activity += 1;
  }
}

/** Wraps an object so every method call returning a promise is tracked as in flight. */
export function tracked<T extends object>(time: VirtualTime, target: T): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        time.call(() => (value as (...a: unknown[]) => unknown).apply(object, args));
    },
  });
}
