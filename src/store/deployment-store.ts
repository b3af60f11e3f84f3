import type {
  Deployment,
  DeploymentError,
  DeploymentEvent,
  DeploymentState,
  DeploySettings,
  DeployTarget,
} from "../domain/index.js";

/** What is needed to create a deployment (the store assigns id, state `queued` and timestamps). */
export interface NewDeployment {
  readonly target: DeployTarget;
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
  readonly source: string;
  readonly deliveryId?: string;
  readonly reqId?: string;
  readonly settings: DeploySettings;
  readonly parentId?: string;
  /** Docker Hub's legacy `callback_url` (only Docker-owned hosts are ever called). */
  readonly callbackUrl?: string;
}

/** Identifies one webhook delivery for idempotency. */
export interface DeliveryKey {
  readonly source: string;
  /** The sender's delivery id (registry event id, GitHub delivery id…), when it gives one. */
  readonly deliveryId?: string;
  /** `repository:tag@digest` fingerprint, used within `windowMs` when there is no delivery id. */
  readonly fingerprint: string;
  readonly windowMs: number;
}

export interface RecordDeliveryResult {
  /** True when this delivery was seen before: `deployments` are the ones created the first time. */
  readonly duplicate: boolean;
  readonly deployments: readonly Deployment[];
}

/** Fields a transition may set along with the state. `null` clears an optional field. */
export interface DeploymentPatch {
  readonly previousImage?: string;
  readonly projectId?: string;
  readonly serviceId?: string;
  readonly pendingAction?: string | null;
  readonly error?: DeploymentError | null;
  readonly supersededBy?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly previousVersion?: string;
  readonly upgradeVersion?: string;
}

export interface TransitionInput {
  readonly id: string;
  /** The state the caller believes the deployment is in; the update applies only if it still is. */
  readonly from: DeploymentState | readonly DeploymentState[];
  readonly to: DeploymentState;
  readonly detail: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly patch?: DeploymentPatch;
}

export interface ListDeploymentsQuery {
  /** `environment/stack/service` (case-insensitive). */
  readonly targetKey?: string;
  readonly states?: readonly DeploymentState[];
  /** Normalised image name, optionally with `:tag`. */
  readonly image?: string;
  /** Page size (1–200). */
  readonly limit: number;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
}

export interface DeploymentPage {
  readonly items: readonly Deployment[];
  readonly nextCursor?: string;
}

/**
 * Durable record of deployments, their event logs, webhook deliveries and CI token ids.
 * Every write is atomic; a state change is conditional on the expected current state.
 */
export interface DeploymentStore {
  /**
   * Records a delivery and creates its deployments in one transaction. When the delivery was
   * seen before (same source and delivery id, or the same fingerprint within the window), nothing
   * is created and the original deployments are returned.
   */
  recordDelivery(key: DeliveryKey, deployments: readonly NewDeployment[]): RecordDeliveryResult;
  /** Creates one deployment outside any webhook delivery (manual, CLI, rollback, retry). */
  create(deployment: NewDeployment): Deployment;
  get(id: string): Deployment | undefined;
  /** The event log of a deployment, oldest first. */
  events(id: string): readonly DeploymentEvent[];
  /** Newest first, cursor-paginated. */
  list(query: ListDeploymentsQuery): DeploymentPage;
  /** Every deployment not in a terminal state, oldest first (for recovery and the queue). */
  listActive(): readonly Deployment[];
  /**
   * Changes state (and patch fields) if the deployment is in `from`, and appends a `transition`
   * event with `detail`. Throws `StoreConflictError` when it is not (someone else moved it).
   */
  transition(input: TransitionInput): Deployment;
  /** Sets fields without a state change, and appends an event of `kind` with `detail`. */
  annotate(
    id: string,
    kind: "action" | "note",
    detail: string,
    patch?: DeploymentPatch,
    data?: Readonly<Record<string, unknown>>,
  ): Deployment;
  /**
   * The images a target ran after its most recent successful deployments, newest first
   * (`name:tag`), from `succeeded` deployments (and their recorded `previousImage`s).
   */
  successfulImages(targetKey: string, limit: number): readonly string[];
  /** The target's newest `succeeded` deployment of its primary launch config (not a sidekick's). */
  latestSucceeded(targetKey: string): Deployment | undefined;
  /** The target's newest deployment whose upgrade created launch config `version` (drover's own upgrade). */
  findByUpgradeVersion(targetKey: string, version: string): Deployment | undefined;
  /** Every target key that has at least one deployment, sorted (an index skip scan). */
  targetKeys(): readonly string[];
  /**
   * Records a CI token id until its expiry; false if it was already recorded (a replay).
   * Expired ids are purged as a side effect.
   */
  claimTokenId(jti: string, expiresAt: string): boolean;
  /**
   * True while the database is open, answering and accepting writes: a probe write (rolled back)
   * succeeds and no write has failed recently without a successful one since.
   */
  isHealthy(): boolean;
  close(): void;
}
