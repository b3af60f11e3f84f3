import { realTimers, type Timers } from "../domain/index.js";
import type { CliIo } from "./cli-command.js";

/** How often the live line's elapsed time is redrawn. */
export const TICK_MS = 1_000;
/** The live line is cut to this many characters, so it never wraps (a wrapped line cannot be redrawn). */
const LIVE_WIDTH = 100;
/** Clears the terminal line the cursor is on and returns to its start. */
export const CLEAR_LINE = "\r\u001b[2K";

/** Progress of `drover deploy --wait`: one call per stored event, then `end()`. */
export interface DeployProgress {
  readonly event: (at: string, id: string, state: string, detail: string) => void;
  /** Stops the ticking and clears the live line (the caller then prints the outcome). */
  readonly end: () => void;
  /** Time since the progress started, e.g. `1:05`. */
  readonly elapsed: () => string;
}

/** `m:ss` (or `h:mm:ss`). */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * On a terminal (`io.isTTY`): one live line, rewritten in place on every event and every second
 * (`[0:42] d_… upgrading  detail`), so a long phase never looks stuck. Piped: one plain line per
 * event (`<ISO time> <id> <state> <detail>`), nothing rewritten.
 */
export function createDeployProgress(io: CliIo, timers: Timers = io.timers ?? realTimers): DeployProgress {
  const started = timers.now();
  const elapsed = (): string => formatElapsed(timers.now() - started);
  if (io.isTTY !== true) {
    return {
      event: (at, id, state, detail) => io.stdout.write(`${at} ${id} ${state.padEnd(12)} ${detail}\n`),
      end: () => undefined,
      elapsed,
    };
  }
  let current: { id: string; state: string; detail: string } | undefined;
  let handle: unknown;
  let ended = false;
  const draw = (): void => {
    if (current === undefined) return;
    const line = `[${elapsed()}] ${current.id} ${current.state.padEnd(12)} ${current.detail}`;
    io.stdout.write(`${CLEAR_LINE}${line.length > LIVE_WIDTH ? `${line.slice(0, LIVE_WIDTH - 1)}…` : line}`);
  };
  const tick = (): void => {
    if (ended) return;
    draw();
    handle = timers.setTimeout(tick, TICK_MS);
  };
  handle = timers.setTimeout(tick, TICK_MS);
  return {
    event: (_at, id, state, detail) => {
      current = { id, state, detail };
      draw();
    },
    end: () => {
      if (ended) return;
      ended = true;
      timers.clearTimeout(handle);
      if (current !== undefined) io.stdout.write(CLEAR_LINE);
    },
    elapsed,
  };
}
