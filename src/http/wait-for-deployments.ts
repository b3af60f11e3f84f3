import type { DeploymentEngine } from "../deploy/index.js";
import { isTerminal, type Deployment } from "../domain/index.js";
import type { DeploymentStore } from "../store/index.js";

/** How often a waiting request checks whether the app is shutting down. */
export const DEFAULT_SHUTDOWN_POLL_MS = 200;

/** What `?wait=` needs to watch deployments (wired by the composition root). */
export interface DeploymentWatch {
  readonly engine: Pick<DeploymentEngine, "onTransition">;
  readonly store: Pick<DeploymentStore, "get" | "events">;
  /** True once the app shuts down (polled): a waiting request then answers at once. */
  readonly shuttingDown: () => boolean;
  readonly shutdownPollMs?: number;
}

/** A deployment as a webhook answer shows it; `reason` says why one did not succeed. */
export interface DeploymentSummary {
  readonly id: string;
  readonly state: string;
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
 * Resolves when every deployment of `ids` is terminal, after `timeoutMs`, when the app shuts
 * down, or when `signal` aborts — whichever comes first — with the deployments as they are then.
 * Listens to the engine's transitions (no polling of the store); every timer and listener is
 * removed when it resolves. When the store is already closed (shutdown), the last states read
 * are returned.
 */
export function waitForDeployments(
  watch: DeploymentWatch,
  ids: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<WaitResult> {
  const wanted = new Set(ids);
  let last: readonly Deployment[] = [];
  const read = (): readonly Deployment[] => {
    try {
      last = ids.map((id) => watch.store.get(id)).filter((d): d is Deployment => d !== undefined);
    } catch {
      // The store closed under us (the app is stopping): answer with what was read last.
    }
    return last;
  };
  const allTerminal = (deployments: readonly Deployment[]): boolean =>
    deployments.every((deployment) => isTerminal(deployment.state));
  const result = (end: WaitEnd): WaitResult => {
    const deployments = read();
    const settled = end !== "aborted" && allTerminal(deployments);
    return {
      end: settled ? "terminal" : end,
      deployments: deployments.map((deployment) => summarizeDeployment(deployment, watch.store)),
      running: deployments.filter((deployment) => !isTerminal(deployment.state)).map((d) => d.id),
    };
  };
  if (signal.aborted) return Promise.resolve(result("aborted"));
  if (allTerminal(read())) return Promise.resolve(result("terminal"));
  if (watch.shuttingDown()) return Promise.resolve(result("shutdown"));
  return new Promise((resolve) => {
    let done = false;
    const finish = (end: WaitEnd): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
      resolve(result(end));
    };
    const onAbort = (): void => finish("aborted");
    const unsubscribe = watch.engine.onTransition((deployment) => {
      if (wanted.has(deployment.id) && allTerminal(read())) finish("terminal");
    });
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    const poll = setInterval(() => {
      if (watch.shuttingDown()) finish("shutdown");
    }, watch.shutdownPollMs ?? DEFAULT_SHUTDOWN_POLL_MS);
    signal.addEventListener("abort", onAbort, { once: true });
  });
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
  const target =
    deployment.target.sidekick === undefined
      ? deployment.targetKey
      : `${deployment.targetKey}/${deployment.target.sidekick}`;
  const reason =
    isTerminal(deployment.state) && deployment.state !== "succeeded"
      ? (deployment.error?.message ?? lastTransitionDetail(deployment.id, store))
      : undefined;
  return {
    id: deployment.id,
    state: deployment.state,
    target,
    image: `${deployment.image}:${deployment.tag}`,
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
