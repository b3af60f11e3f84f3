// A deployment's phase timeline, from its event log: which phases it went through and how long
// each took (a phase entered more than once, e.g. after a restart, adds up).

/** The phases of a deployment that goes well, in order. */
export const MAIN_PHASES = ["queued", "preparing", "upgrading", "verifying", "finishing"];
const ROLLING_BACK = "rolling-back";
const TERMINAL = new Set(["superseded", "skipped", "succeeded", "rolled-back", "failed", "canceled"]);

/**
 * `events` (the log: `{ seq, at, state, kind }`) and the deployment's current `state` at `now`
 * (ms) → `{ phases: [{ state, status: "done"|"current"|"pending"|"skipped", ms }], end }`:
 * the main phases (only those reached, then rolling back, when it rolled back), each with the
 * time spent in it; `end` is the terminal state and when it was reached, if it ended.
 */
export function phaseTimeline(events, state, now) {
  const transitions = events
    .filter((event) => event.kind === "transition")
    .sort((a, b) => a.seq - b.seq)
    .map((event) => ({ state: event.state, at: Date.parse(event.at) }));
  const spent = new Map();
  for (let i = 0; i < transitions.length; i++) {
    const { state: phase, at } = transitions[i];
    if (TERMINAL.has(phase)) continue;
    const until = i + 1 < transitions.length ? transitions[i + 1].at : TERMINAL.has(state) ? at : now;
    spent.set(phase, (spent.get(phase) ?? 0) + Math.max(0, until - at));
  }
  const current = TERMINAL.has(state) ? undefined : state;
  const rolledBack = spent.has(ROLLING_BACK) || state === ROLLING_BACK;
  const lastMain = Math.max(
    ...MAIN_PHASES.map((phase, index) => (spent.has(phase) || phase === current ? index : -1)),
  );
  const shown = rolledBack ? [...MAIN_PHASES.slice(0, lastMain + 1), ROLLING_BACK] : MAIN_PHASES;
  const phases = shown.map((phase, index) => {
    let status;
    if (phase === current) status = "current";
    else if (spent.has(phase)) status = "done";
    else if (current === undefined || index < shown.indexOf(current)) status = "skipped";
    else status = "pending";
    return { state: phase, status, ms: spent.get(phase) };
  });
  const last = transitions.at(-1);
  const end = TERMINAL.has(state)
    ? { state, at: last !== undefined && last.state === state ? last.at : undefined }
    : undefined;
  return { phases, end };
}
