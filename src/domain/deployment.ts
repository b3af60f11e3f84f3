/** Every state of a deployment (README "Deployments"). */
export const DEPLOYMENT_STATES = [
  "queued",
  "superseded",
  "skipped",
  "preparing",
  "upgrading",
  "verifying",
  "finishing",
  "succeeded",
  "rolling-back",
  "rolled-back",
  "failed",
  "canceled",
] as const;

export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** States a deployment never leaves. */
export const TERMINAL_STATES: ReadonlySet<DeploymentState> = new Set([
  "superseded",
  "skipped",
  "succeeded",
  "rolled-back",
  "failed",
  "canceled",
]);

export function isTerminal(state: DeploymentState): boolean {
  return TERMINAL_STATES.has(state);
}

/**
 * True for the terminal states in which the target runs the image: `succeeded`, and `skipped`
 * (it already ran it). Every other terminal state is a failure for whoever waits on it.
 */
export function isSuccessful(state: DeploymentState): boolean {
  return state === "succeeded" || state === "skipped";
}

/** Where a deployment goes: a Rancher service, or one named sidekick (secondary launch config) of it. */
export interface DeployTarget {
  readonly environment: string;
  readonly stack: string;
  readonly service: string;
  readonly sidekick?: string;
}

/**
 * The serialisation key of a target: `environment/stack/service`, lower-cased (Rancher names are
 * case-insensitive). A sidekick shares its service's key: one upgrade per service at a time.
 */
export function targetKey(target: DeployTarget): string {
  return `${target.environment}/${target.stack}/${target.service}`.toLowerCase();
}

/** How answers and messages name a deployment's target: `environment/stack/service[/sidekick]`. */
export function targetName(deployment: {
  readonly targetKey: string;
  readonly target: Pick<DeployTarget, "sidekick">;
}): string {
  const { sidekick } = deployment.target;
  return sidekick === undefined ? deployment.targetKey : `${deployment.targetKey}/${sidekick}`;
}

/** Per-target settings, resolved from defaults and the target's overrides when the deployment is created. */
export interface DeploySettings {
  readonly strategy: {
    readonly batchSize: number;
    readonly intervalMillis: number;
    readonly startFirst: boolean;
  };
  readonly upgradeTimeoutMs: number;
  readonly verify: {
    readonly soakMs: number;
    readonly timeoutMs: number;
    readonly http?: {
      readonly url: string;
      readonly expectStatus: number;
      readonly bodyContains?: string;
      readonly timeoutMs: number;
    };
  };
  readonly onFailure: "rollback" | "leave";
  readonly onUpgradedLeftover: "finish" | "rollback";
}

/** A machine-readable reason attached to a terminal or failing deployment. */
export interface DeploymentError {
  readonly code: string;
  readonly message: string;
}

/** One persisted deployment: one image to one target. */
export interface Deployment {
  readonly id: string;
  readonly target: DeployTarget;
  readonly targetKey: string;
  /** Normalised image name without tag: `registry.example.com/shop/frontend`, `docker.io/library/nginx`. */
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
  readonly state: DeploymentState;
  readonly source: string;
  readonly deliveryId?: string;
  readonly reqId?: string;
  readonly settings: DeploySettings;
  /** Image (`name:tag`) the target ran before this deployment, recorded at `preparing`. */
  readonly previousImage?: string;
  /** The target launch config's `version` before this deployment's upgrade, recorded with the intent. */
  readonly previousVersion?: string;
  /** The launch config `version` this deployment's upgrade created (Rancher's answer to the POST). */
  readonly upgradeVersion?: string;
  /** Rancher ids resolved at `preparing`. */
  readonly projectId?: string;
  readonly serviceId?: string;
  /** The Rancher action about to be POSTed, written before the POST (crash safety: recovery reads it). */
  readonly pendingAction?: string;
  readonly error?: DeploymentError;
  /** Id of the deployment that replaced this queued one. */
  readonly supersededBy?: string;
  /** Id of the deployment this one retries or rolls back from. */
  readonly parentId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Docker Hub's legacy `callback_url` from the push (unauthenticated input: only Docker-owned hosts are called). */
  readonly callbackUrl?: string;
}

/** One entry of a deployment's event log. */
export interface DeploymentEvent {
  readonly seq: number;
  readonly deploymentId: string;
  readonly at: string;
  /** State after the event. */
  readonly state: DeploymentState;
  /** `transition` (state changed), `action` (a Rancher action intent or acceptance), `note` (anything else). */
  readonly kind: "transition" | "action" | "note";
  readonly detail: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * A stored event with its place in the global event feed: `feedId` grows strictly with every event
 * any deployment records (in commit order), so a reader resumes after the last one it saw.
 */
export type FeedEvent = DeploymentEvent & { readonly feedId: number };
