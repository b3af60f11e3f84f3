import type { Timers } from "../../src/domain/index.js";

interface Pending {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** One turn of the event loop (promise callbacks and ready I/O run; no real time is waited). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A manual clock with timers: time moves only when the test calls {@link ManualTimers.advance} or
 * {@link ManualTimers.advanceToNext}, which fire the timers that fall due, in order, letting the code
 * under test react (a few event-loop turns) after each. Nothing waits on real time.
 */
export class ManualTimers implements Timers {
  #now: number;
  #seq = 0;
  readonly #pending: Pending[] = [];

  constructor(startMs = Date.parse("2026-01-01T00:00:00Z")) {
    this.#now = startMs;
  }

  readonly now = (): number => this.#now;

  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    this.#seq += 1;
    this.#pending.push({ id: this.#seq, due: this.#now + Math.max(0, ms), callback });
    return this.#seq;
  };

  readonly clearTimeout = (handle: unknown): void => {
    const index = this.#pending.findIndex((timer) => timer.id === handle);
    if (index >= 0) this.#pending.splice(index, 1);
  };

  /** Resolves once the clock has been advanced by `ms`. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.setTimeout(resolve, ms);
    });

  /** Timers not yet fired, as delays from now (sorted). */
  pending(): number[] {
    return this.#pending.map((timer) => timer.due - this.#now).sort((a, b) => a - b);
  }

  /** Moves the clock `ms` forward, firing every timer due by then in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const next = this.#earliest();
      if (next === undefined || next.due > target) break;
      this.#fire(next);
    }
    this.#now = target;
    await settle();
  }

  /** Moves the clock to the earliest pending timer and fires it (and any due at the same ms). */
  async advanceToNext(): Promise<void> {
    await settle();
    const next = this.#earliest();
    if (next === undefined) throw new Error("no timer is pending");
    await this.advance(next.due - this.#now);
  }

  #earliest(): Pending | undefined {
    return this.#pending.reduce<Pending | undefined>(
      (min, timer) =>
        min === undefined || timer.due < min.due || (timer.due === min.due && timer.id < min.id)
          ? timer
          : min,
      undefined,
    );
  }

  #fire(timer: Pending): void {
    this.#pending.splice(this.#pending.indexOf(timer), 1);
    this.#now = Math.max(this.#now, timer.due);
    timer.callback();
  }
}

/** A few event-loop turns: enough for promise chains started by a timer to reach their next wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await nextTurn();
}
