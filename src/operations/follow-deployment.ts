import { isTerminal, type Deployment, type DeploymentEvent } from "../domain/index.js";
import type { DeploymentStore } from "../store/index.js";
import { findDeployment } from "./checks.js";

/** How often the store is read while following a deployment. */
export const FOLLOW_POLL_MS = 250;

/** The clock the store is polled on. */
export interface FollowClock {
  /** Epoch ms. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface FollowDeps extends FollowClock {
  readonly store: Pick<DeploymentStore, "get" | "events">;
  readonly pollIntervalMs?: number;
}

export interface FollowOptions {
  /** Give up (and return the deployment as it is) once this long has passed on `deps.now`. */
  readonly timeoutMs: number;
  /** Events up to this `seq` were already seen (e.g. the one recorded when it was created). */
  readonly afterSeq?: number;
  /** Called once per stored event, oldest first. */
  readonly onEvent: (event: DeploymentEvent) => void;
}

/**
 * Follows a deployment through the store, whichever process runs it (this one, or a `drover serve`
 * sharing the database): reports each new stored event and resolves with the deployment once it
 * is terminal, or as it is when `timeoutMs` has passed.
 *
 * @throws {DeploymentNotFoundError} when the deployment is not (or no longer) in the store.
 */
export async function followDeployment(
  deps: FollowDeps,
  id: string,
  options: FollowOptions,
): Promise<Deployment> {
  const deadline = deps.now() + options.timeoutMs;
  const interval = deps.pollIntervalMs ?? FOLLOW_POLL_MS;
  let seen = options.afterSeq ?? 0;
  for (;;) {
    // The deployment first: when it is terminal, every event up to that state is stored already.
    const deployment = findDeployment(deps.store, id);
    for (const event of deps.store.events(id)) {
      if (event.seq <= seen) continue;
      seen = event.seq;
      options.onEvent(event);
    }
    const left = deadline - deps.now();
    if (isTerminal(deployment.state) || left <= 0) return deployment;
    await deps.sleep(Math.min(interval, left));
  }
}
