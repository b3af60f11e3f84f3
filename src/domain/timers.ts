/**
 * A clock and timers, injected wherever drover waits on time outside the engine's `sleep`: the
 * notification dispatcher (attempt timeouts, backoff, the `close()` bound), the `?wait=` limit and
 * `config check --resolve`. Real timers by default; tests pass a manual clock.
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
