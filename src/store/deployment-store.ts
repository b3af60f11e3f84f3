import type {
  Deployment,
  DeploymentError,
  DeploymentEvent,
  DeploymentState,
  DeploySettings,
  DeployTarget,
  FeedEvent,
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

/** Narrows {@link DeploymentStore.eventsAfter} to one deployment and/or one target's deployments. */
export interface FeedFilter {
  readonly deploymentId?: string;
  /** `environment/stack/service` (case-insensitive). */
  readonly targetKey?: string;
}

/** Called after a committed write with the events it recorded, in feed order. */
export type CommitListener = (events: readonly FeedEvent[]) => void;

/** The most events one {@link DeploymentStore.eventsAfter} call returns. */
export const MAX_FEED_PAGE = 5_000;

/**
 * Durable record of deployments, their event logs, webhook deliveries and CI token ids.
 * Every write is atomic; a state change is conditional on the expected current state.
 *
 * The contract every implementation keeps (checked by the suite in
 * `test/store/contract/deployment-store-contract.ts`):
 * - Time comes only from the clock the store was opened with (epoch ms): `createdAt`,
 *   `updatedAt`, event `at`, `finishedAt`, dedupe windows and token expiry. Timestamps are
 *   ISO-8601 UTC strings with milliseconds.
 * - Ids are `d_` + 26 Crockford base32 characters and grow with every deployment created, as
 *   strings, even within one millisecond and after a reopen with a clock that went back; "newest
 *   first" means by id.
 * - Target keys (`environment/stack/service`, never the sidekick) compare case-insensitively and
 *   are stored lower-cased.
 * - Optional fields that are not set are absent from returned objects, never `undefined`.
 * - The methods are synchronous today (SQLite in-process). A networked implementation would
 *   return promises; the contract suite awaits every call so that it runs unchanged against one.
 */
export interface DeploymentStore {
  /**
   * Records a delivery and creates its deployments in one transaction. When the delivery was
   * seen before (same source and delivery id, or the same fingerprint within the window), nothing
   * is created and the original deployments are returned, in their current state.
   *
   * A delivery id is authoritative: the same id from the same source is a redelivery forever, a
   * new id is a new delivery even with a matching fingerprint. Only a key without an id (or with
   * `""`) falls back to the fingerprint, matched against every earlier delivery of the source
   * (with or without id) recorded within `windowMs` before now; `0` disables that,
   * `Infinity` matches forever. The window counts from the first delivery, not from duplicates.
   * A delivery that creates nothing is remembered too. When any deployment cannot be written,
   * nothing is recorded and the call throws.
   */
  recordDelivery(key: DeliveryKey, deployments: readonly NewDeployment[]): RecordDeliveryResult;
  /**
   * Creates one deployment outside any webhook delivery (manual, CLI, rollback, retry): state
   * `queued`, with a first `transition` event `queued`.
   */
  create(deployment: NewDeployment): Deployment;
  /** The deployment as last written; undefined for an unknown id. */
  get(id: string): Deployment | undefined;
  /** The event log of a deployment, oldest first, `seq` counting from 1; `[]` for an unknown id. */
  events(id: string): readonly DeploymentEvent[];
  /**
   * The global event feed: every stored event with `feedId > feedId`, ascending, at most `limit`
   * (clamped to 1–{@link MAX_FEED_PAGE}; fractions truncated, NaN as 1), optionally only those of
   * one deployment and/or of the deployments of one target. Feed ids grow strictly with every event
   * recorded, in commit order, and survive a reopen; events recorded before the feed existed are
   * numbered in (at, deployment, seq) order.
   */
  eventsAfter(feedId: number, limit: number, filter?: FeedFilter): readonly FeedEvent[];
  /** The greatest feed id recorded; 0 when no event is. */
  latestFeedId(): number;
  /**
   * Calls `listener` synchronously after each committed write that recorded events (create,
   * recordDelivery, transition, annotate), with those events in feed order — never for a write
   * that failed or recorded nothing, never inside the transaction. A listener that throws is
   * reported (the store's `onListenerError`) and never breaks the write or the other listeners.
   * Returns the function that removes it.
   */
  onCommit(listener: CommitListener): () => void;
  /**
   * Newest first, cursor-paginated: `nextCursor` is set only when more rows follow, and pages are
   * keyed by id, so rows created between two pages never shift or repeat later pages. `limit` is
   * clamped to 1–200 (fractions truncated, NaN as 1); `states: []` matches nothing; `image`
   * matches the normalised name, or name and tag when it has one.
   * @throws {InvalidCursorError} for a cursor no page of this store returned.
   */
  list(query: ListDeploymentsQuery): DeploymentPage;
  /** Every deployment not in a terminal state, oldest first (for recovery and the queue). */
  listActive(): readonly Deployment[];
  /**
   * Changes state (and patch fields) if the deployment is in `from`, and appends a `transition`
   * event with `detail` (and `data`), in one conditional write — this is how a queued deployment
   * is superseded or canceled without racing the engine starting it. Moving into a terminal state
   * sets `finishedAt` unless the patch gives one; a terminal state is never left, whatever `from`
   * says. A patch value `null` clears the field; fields not in the patch are kept.
   * @throws {StoreConflictError} when it is not in `from` (someone else moved it), with
   * `currentState`; nothing is written.
   * @throws {DeploymentNotFoundError} for an unknown id.
   */
  transition(input: TransitionInput): Deployment;
  /**
   * Sets fields without a state change, and appends an event of `kind` with `detail` — also in a
   * terminal state.
   * @throws {DeploymentNotFoundError} for an unknown id.
   */
  annotate(
    id: string,
    kind: "action" | "note",
    detail: string,
    patch?: DeploymentPatch,
    data?: Readonly<Record<string, unknown>>,
  ): Deployment;
  /**
   * The images a target ran after its most recent successful deployments, newest first by
   * `finishedAt` (`name:tag`), from `succeeded` deployments, each followed by its recorded
   * `previousImage`; no repeats, at most `limit` (`[]` for `limit < 1`).
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
   * Expired ids (expiry at or before now) are purged as a side effect, so an id may be claimed
   * again once it expired. `expiresAt` is compared as an instant, whatever its offset.
   * @throws {RangeError} when `expiresAt` is not a date.
   */
  claimTokenId(jti: string, expiresAt: string): boolean;
  /**
   * True while the database is open, answering and accepting writes: a probe write (rolled back)
   * succeeds and no write has failed recently without a successful one since.
   */
  isHealthy(): boolean;
  /** Releases the database; calling it again does nothing. */
  close(): void;
}
