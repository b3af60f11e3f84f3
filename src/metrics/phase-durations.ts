import { isTerminal, type DeploymentEvent } from "../domain/index.js";

/** Histogram `phase` label values: the non-terminal states, plus `total`. */
export const DURATION_PHASES = [
  "queued",
  "preparing",
  "upgrading",
  "verifying",
  "finishing",
  "rolling-back",
  "total",
] as const;

export type DurationPhase = (typeof DURATION_PHASES)[number];

const STATE_PHASES: ReadonlySet<string> = new Set(DURATION_PHASES.filter((phase) => phase !== "total"));

function isStatePhase(state: string): state is Exclude<DurationPhase, "total"> {
  return STATE_PHASES.has(state);
}

/**
 * Seconds spent in each state, from a deployment's event log (`transition` events only; a state
 * lasts until the next transition; repeated visits add up). `total` runs from the first
 * `preparing` to the terminal transition, so it is absent for deployments that never started.
 * Phases the deployment did not pass through are absent. Events with unparseable times are skipped.
 */
export function phaseDurations(events: readonly DeploymentEvent[]): Map<DurationPhase, number> {
  const transitions = events
    .filter((event) => event.kind === "transition" && Number.isFinite(Date.parse(event.at)))
    .slice()
    .sort((a, b) => a.seq - b.seq);
  const durations = new Map<DurationPhase, number>();
  let startedAt: number | undefined;
  transitions.forEach((event, index) => {
    const at = Date.parse(event.at);
    if (event.state === "preparing" && startedAt === undefined) startedAt = at;
    if (isTerminal(event.state)) {
      if (startedAt !== undefined && !durations.has("total")) {
        durations.set("total", Math.max(0, at - startedAt) / 1000);
      }
      return;
    }
    const next = transitions[index + 1];
    const phase = event.state;
    if (next === undefined || !isStatePhase(phase)) return;
    const seconds = Math.max(0, Date.parse(next.at) - at) / 1000;
    durations.set(phase, (durations.get(phase) ?? 0) + seconds);
  });
  return durations;
}
