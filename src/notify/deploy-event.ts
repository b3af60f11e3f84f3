import { targetName, type Deployment, type DeploymentState, type DeployTarget } from "../domain/index.js";

/** `started`: the deployment entered `preparing`; `finished`: it reached a terminal state. */
export type DeployEventKind = "started" | "finished";

/**
 * A deployment state change handed to notifiers. Built from the persisted
 * deployment, so it says only what the store says (no premature success).
 */
export interface DeployEvent {
  /** A UUID for this event; webhooks send it as `X-Drover-Delivery` (the same on every retry). */
  readonly eventId: string;
  readonly kind: DeployEventKind;
  readonly deploymentId: string;
  readonly target: DeployTarget;
  /** `environment/stack/service`, plus `/sidekick` for a sidekick. */
  readonly targetName: string;
  /** `name:tag` being deployed. */
  readonly image: string;
  readonly digest?: string;
  readonly state: DeploymentState;
  /** `name:tag` the target ran before, when known. */
  readonly previousImage?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** The webhook source (`dockerhub`, `ci`, …) or `manual`. */
  readonly source: string;
  /** Why the state changed (the engine's transition detail), when given. */
  readonly detail?: string;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When this state change happened. */
  readonly occurredAt: string;
  /** `finishedAt − startedAt` in milliseconds, for finished deployments that started. */
  readonly durationMs?: number;
  /** One human line, e.g. `demo/shop/frontend: acme/api:1.4.2 deployed in 42s (was acme/api:1.4.1)`. */
  readonly summary: string;
  /**
   * Docker Hub's legacy `callback_url` from the push. Unauthenticated input and a secret (its path
   * is a token): only the Docker Hub callback notifier reads it; never sent to other channels.
   */
  readonly callbackUrl?: string;
}

export interface CreateDeployEventInput {
  readonly deployment: Deployment;
  readonly kind: DeployEventKind;
  readonly eventId: string;
  /** The transition's reason, when the caller has it. */
  readonly detail?: string;
}

/** Builds the event for a deployment that just changed state. */
export function createDeployEvent(input: CreateDeployEventInput): DeployEvent {
  const { deployment, kind, detail } = input;
  const { target } = deployment;
  const name = targetName(deployment);
  const durationMs = durationBetween(deployment.startedAt, deployment.finishedAt);
  const fields = {
    eventId: input.eventId,
    kind,
    deploymentId: deployment.id,
    target,
    targetName: name,
    image: `${deployment.image}:${deployment.tag}`,
    state: deployment.state,
    source: deployment.source,
    createdAt: deployment.createdAt,
    occurredAt: deployment.updatedAt,
    ...(deployment.digest === undefined ? {} : { digest: deployment.digest }),
    ...(deployment.previousImage === undefined ? {} : { previousImage: deployment.previousImage }),
    ...(deployment.error === undefined
      ? {}
      : { error: { code: deployment.error.code, message: deployment.error.message } }),
    ...(detail === undefined || detail === "" ? {} : { detail }),
    ...(deployment.startedAt === undefined ? {} : { startedAt: deployment.startedAt }),
    ...(deployment.finishedAt === undefined ? {} : { finishedAt: deployment.finishedAt }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(deployment.callbackUrl === undefined ? {} : { callbackUrl: deployment.callbackUrl }),
  };
  return { ...fields, summary: summarize(fields) };
}

/** `42s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

function summarize(event: Omit<DeployEvent, "summary">): string {
  const took = event.durationMs === undefined ? "" : ` after ${formatDuration(event.durationMs)}`;
  const was = event.previousImage === undefined ? "" : ` (was ${event.previousImage})`;
  const why = event.error === undefined ? "" : `: ${event.error.code} ${event.error.message}`;
  const head = `${event.targetName}: ${event.image}`;
  switch (event.state) {
    case "succeeded":
      return `${head} deployed${event.durationMs === undefined ? "" : ` in ${formatDuration(event.durationMs)}`}${was}`;
    case "rolled-back":
      return `${head} failed and was rolled back${event.previousImage === undefined ? "" : ` to ${event.previousImage}`}${took}${why}`;
    case "failed":
      return `${head} failed${took}${why}`;
    case "canceled":
      return `${head} canceled${took}${why}`;
    case "superseded":
      return `${head} superseded by a newer push before it started`;
    case "skipped":
      return `${head} skipped${event.detail === undefined ? "" : `: ${event.detail}`}`;
    case "preparing":
      return `${head} deployment started${was}`;
    case "queued":
    case "upgrading":
    case "verifying":
    case "finishing":
    case "rolling-back":
      return `${head} is ${event.state}`;
  }
}

function durationBetween(start: string | undefined, end: string | undefined): number | undefined {
  if (start === undefined || end === undefined) return undefined;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
