/**
 * The clock and timers the dispatcher uses for per-attempt timeouts, retry backoff and the bound
 * on `close()`. Real timers by default; tests pass a manual clock so no test waits on real time.
 */
export interface Timers {
  /** Epoch ms. */
  now(): number;
  /** Calls `callback` once, `ms` from now; returns a handle for {@link Timers.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers (a pending backoff or `close()` bound keeps the process alive, as it must). */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves `ms` from now on `timers`. */
export function sleepOn(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timers.setTimeout(resolve, ms);
  });
}
