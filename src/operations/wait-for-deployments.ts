import type { DeploymentEngine } from "../deploy/index.js";
import {
  formatImageReference,
  isTerminal,
  targetName,
  type Deployment,
  type DeploymentState,
} from "../domain/index.js";
import { realTimers, type Timers } from "../domain/index.js";
import type { DeploymentStore } from "../store/index.js";

/** What waiting on deployments needs (`POST /hooks/ci?wait=`; wired by the composition root). */
export interface DeploymentWatch {
  readonly engine: Pick<DeploymentEngine, "waitForTerminal">;
  readonly store: Pick<DeploymentStore, "get" | "events">;
  /** Aborts when the app starts shutting down: a waiting request then answers at once. */
  readonly shutdown: AbortSignal;
  /** The timers the time limit runs on (default Node's; tests pass a manual clock). */
  readonly timers?: Timers | undefined;
}

/** A deployment as a webhook answer shows it; `reason` says why one did not succeed. */
export interface DeploymentSummary {
  readonly id: string;
  readonly state: DeploymentState;
  readonly target: string;
  readonly image: string;
  readonly reason?: string;
}

/**
 * Why a wait ended: every deployment terminal, the time limit, the app shutting down, or the
 * caller's signal (the client went away).
 */
export type WaitEnd = "terminal" | "timeout" | "shutdown" | "aborted";

export interface WaitResult {
  readonly end: WaitEnd;
  /** The deployments as they are when the wait ended. */
  readonly deployments: readonly DeploymentSummary[];
  /** Ids of those not terminal yet. */
  readonly running: readonly string[];
}

/**
 * `engine.waitForTerminal` bounded by `timeoutMs`, the caller's `signal` and the app's shutdown,
 * with why it ended and the deployments as they are then (when the store can no longer be read,
 * as they were when the wait began).
 */
export async function waitForDeployments(
  watch: DeploymentWatch,
  ids: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<WaitResult> {
  const initial = ids.map((id) => watch.store.get(id)).filter((d): d is Deployment => d !== undefined);
  const timers = watch.timers ?? realTimers;
  const limit = new AbortController();
  const timer = timers.setTimeout(() => limit.abort(), timeoutMs);
  let deployments: readonly Deployment[];
  try {
    deployments = await watch.engine.waitForTerminal(
      ids,
      Number.POSITIVE_INFINITY,
      AbortSignal.any([signal, watch.shutdown, limit.signal]),
    );
  } catch {
    deployments = initial; // the store closed under us (the app is stopping)
  } finally {
    timers.clearTimeout(timer);
  }
  const end: WaitEnd = signal.aborted
    ? "aborted"
    : deployments.every((deployment) => isTerminal(deployment.state))
      ? "terminal"
      : watch.shutdown.aborted
        ? "shutdown"
        : "timeout";
  return {
    end,
    deployments: deployments.map((deployment) => summarizeDeployment(deployment, watch.store)),
    running: deployments.filter((deployment) => !isTerminal(deployment.state)).map((d) => d.id),
  };
}

/**
 * `{ id, state, target, image, reason? }`: the target as `environment/stack/service[/sidekick]`,
 * the image as `name:tag`. A terminal deployment that did not succeed carries its reason (its
 * error, else the detail of its last state change, e.g. "superseded by d_…").
 */
export function summarizeDeployment(
  deployment: Deployment,
  store: Pick<DeploymentStore, "events">,
): DeploymentSummary {
  const target = targetName(deployment);
  const reason =
    isTerminal(deployment.state) && deployment.state !== "succeeded"
      ? (deployment.error?.message ?? lastTransitionDetail(deployment.id, store))
      : undefined;
  return {
    id: deployment.id,
    state: deployment.state,
    target,
    image: formatImageReference(deployment.image, deployment.tag),
    ...(reason === undefined ? {} : { reason }),
  };
}

function lastTransitionDetail(id: string, store: Pick<DeploymentStore, "events">): string | undefined {
  try {
    return store
      .events(id)
      .filter((event) => event.kind === "transition")
      .at(-1)?.detail;
  } catch {
    return undefined;
  }
}
