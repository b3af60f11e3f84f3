import type { Database, Statement, Transaction } from "better-sqlite3";
import type { Deployment, DeploymentEvent, DeploymentState, FeedEvent } from "../domain/index.js";
import { isTerminal } from "../domain/index.js";
import { DEPLOYMENT_ID_PREFIX, buildListQuery, encodeCursor } from "./build-list-query.js";
import { createIdGenerator, type IdGenerator } from "./create-id-generator.js";
import {
  newDeploymentToRow,
  patchToParams,
  rowToDeployment,
  rowToEvent,
  rowToFeedEvent,
  type DeploymentRow,
} from "./deployment-rows.js";
import {
  MAX_FEED_PAGE,
  type CommitListener,
  type DeliveryKey,
  type DeploymentPage,
  type DeploymentPatch,
  type DeploymentStore,
  type FeedFilter,
  type ListDeploymentsQuery,
  type NewDeployment,
  type RecordDeliveryResult,
  type TransitionInput,
} from "./deployment-store.js";
import { openDatabase } from "./open-database.js";
import { DeploymentNotFoundError, StoreConflictError, toStoreUnavailable } from "./store-errors.js";
import { prepareStoreStatements, type NewEvent } from "./store-statements.js";

/**
 * How long after a failed write (with no successful one since) the store reports itself unhealthy
 * even when the readiness probe passes: a full disk only fails writes that need new space on it.
 */
export const WRITE_FAILURE_WINDOW_MS = 10_000;

/** Bytes the readiness probe inserts (and rolls back): more than a page, so it needs new pages. */
const PROBE_BYTES = 16_384;

/** Thrown inside the probe transaction to roll it back. */
class ProbeRollback extends Error {}

/** Options of {@link SqliteDeploymentStore}. */
export interface SqliteDeploymentStoreOptions {
  /** Clock in epoch milliseconds (ids, `createdAt`, windows, token expiry). Default `Date.now`. */
  readonly now?: () => number;
  /** Schema migrations to apply (tests only). */
  readonly migrations?: readonly string[];
  /** Called with the open connection (tests: `PRAGMA max_page_count` to make the database full). */
  readonly onOpen?: (db: Database) => void;
  /** Told about a commit listener that threw (the composition root logs it). Default: ignored. */
  readonly onListenerError?: (error: unknown) => void;
}

/**
 * `DeploymentStore` on SQLite (better-sqlite3, synchronous): WAL mode, statements prepared once,
 * every write in one IMMEDIATE transaction. One process owns the file; other connections may read.
 */
export class SqliteDeploymentStore implements DeploymentStore {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #nextId: IdGenerator;
  readonly #sql: ReturnType<typeof prepareStoreStatements>;
  readonly #listStatements = new Map<string, Statement<[Record<string, string | number>], DeploymentRow>>();
  readonly #recordDelivery: Transaction<
    (key: DeliveryKey, inputs: readonly NewDeployment[]) => RecordDeliveryResult
  >;
  readonly #create: Transaction<(input: NewDeployment) => Deployment>;
  readonly #transition: Transaction<(input: TransitionInput) => Deployment>;
  readonly #annotate: Transaction<
    (id: string, event: Omit<NewEvent, "at" | "state">, patch?: DeploymentPatch) => Deployment
  >;
  readonly #claimTokenId: Transaction<(jti: string, expiresAt: string) => boolean>;
  readonly #probe: Transaction<() => void>;
  /** When the last write failed as unavailable; cleared by the next successful write. */
  #writeFailedAt: number | undefined;
  readonly #commitListeners = new Set<CommitListener>();
  readonly #onListenerError: (error: unknown) => void;
  /** Events the open write transaction recorded, told to the commit listeners once it commits. */
  #uncommitted: FeedEvent[] = [];

  /**
   * Opens or creates the database file (its directory must exist; `openStore` creates it).
   * @throws {StoreOpenError} see `openDatabase`.
   */
  constructor(path: string, options: SqliteDeploymentStoreOptions = {}) {
    this.#db = openDatabase(path, options.migrations);
    this.#now = options.now ?? Date.now;
    this.#onListenerError = options.onListenerError ?? (() => undefined);
    this.#sql = prepareStoreStatements(this.#db);
    this.#nextId = createIdGenerator(DEPLOYMENT_ID_PREFIX, this.#sql.maxId.get()?.id ?? undefined);
    this.#recordDelivery = this.#db.transaction((key, inputs) => this.#doRecordDelivery(key, inputs));
    this.#create = this.#db.transaction((input) => this.#insert(input, this.#now()));
    this.#transition = this.#db.transaction((input) => this.#doTransition(input));
    this.#annotate = this.#db.transaction((id, event, patch) => this.#doAnnotate(id, event, patch));
    this.#claimTokenId = this.#db.transaction((jti, expiresAt) => this.#doClaimTokenId(jti, expiresAt));
    this.#probe = this.#db.transaction(() => {
      this.#sql.probe.run(PROBE_BYTES);
      throw new ProbeRollback("probe done");
    });
    options.onOpen?.(this.#db);
  }

  recordDelivery(key: DeliveryKey, deployments: readonly NewDeployment[]): RecordDeliveryResult {
    return this.#write("record a delivery", () => this.#recordDelivery.immediate(key, deployments));
  }

  create(deployment: NewDeployment): Deployment {
    return this.#write("create a deployment", () => this.#create.immediate(deployment));
  }

  get(id: string): Deployment | undefined {
    return this.#read("read a deployment", () => {
      const row = this.#sql.get.get(id);
      return row === undefined ? undefined : rowToDeployment(row);
    });
  }

  events(id: string): readonly DeploymentEvent[] {
    return this.#read("read an event log", () => this.#sql.events.all(id).map(rowToEvent));
  }

  eventsAfter(feedId: number, limit: number, filter: FeedFilter = {}): readonly FeedEvent[] {
    const params = { after: Number.isFinite(feedId) ? feedId : 0, limit: clampFeedLimit(limit) };
    return this.#read("read the event feed", () => {
      const target = filter.targetKey?.toLowerCase();
      if (filter.deploymentId !== undefined) {
        if (target !== undefined && this.#sql.get.get(filter.deploymentId)?.target_key !== target) return [];
        return this.#sql.deploymentEventsAfter
          .all({ ...params, deployment: filter.deploymentId })
          .map(rowToFeedEvent);
      }
      const rows =
        target === undefined
          ? this.#sql.eventsAfter.all(params)
          : this.#sql.targetEventsAfter.all({ ...params, target });
      return rows.map(rowToFeedEvent);
    });
  }

  latestFeedId(): number {
    return this.#read("read the event feed", () => this.#sql.latestFeedId.get()?.feed_id ?? 0);
  }

  onCommit(listener: CommitListener): () => void {
    // A wrapper per call, so the same function added twice is called twice and removed once each.
    const entry: CommitListener = (events) => listener(events);
    this.#commitListeners.add(entry);
    return () => {
      this.#commitListeners.delete(entry);
    };
  }

  findByUpgradeVersion(targetKey: string, version: string): Deployment | undefined {
    return this.#read("read a deployment", () => {
      const row = this.#sql.byUpgradeVersion.get(targetKey.toLowerCase(), version);
      return row === undefined ? undefined : rowToDeployment(row);
    });
  }

  list(query: ListDeploymentsQuery): DeploymentPage {
    return this.#read("list deployments", () => this.#list(query));
  }

  #list(query: ListDeploymentsQuery): DeploymentPage {
    const { sql, params, limit } = buildListQuery(query);
    let statement = this.#listStatements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#listStatements.set(sql, statement);
    }
    const rows = statement.all(params);
    const items = rows.slice(0, limit).map(rowToDeployment);
    const last = items.at(-1);
    return rows.length > limit && last !== undefined
      ? { items, nextCursor: encodeCursor(last.id) }
      : { items };
  }

  listActive(): readonly Deployment[] {
    return this.#read("list deployments", () => this.#sql.listActive.all().map(rowToDeployment));
  }

  transition(input: TransitionInput): Deployment {
    return this.#write("record a state change", () => this.#transition.immediate(input));
  }

  annotate(
    id: string,
    kind: "action" | "note",
    detail: string,
    patch?: DeploymentPatch,
    data?: Readonly<Record<string, unknown>>,
  ): Deployment {
    const event = { deployment_id: id, kind, detail, data: data === undefined ? null : JSON.stringify(data) };
    return this.#write("record an event", () => this.#annotate.immediate(id, event, patch));
  }

  latestSucceeded(targetKey: string): Deployment | undefined {
    const row = this.#sql.latestPrimarySucceeded.get(targetKey.toLowerCase());
    return row === undefined ? undefined : rowToDeployment(row);
  }

  targetKeys(): readonly string[] {
    return this.#sql.targetKeys.all().map((row) => row.target_key);
  }

  successfulImages(targetKey: string, limit: number): readonly string[] {
    const images = new Set<string>();
    if (limit < 1) return [];
    // Newest first, each deployment's image and then the one it replaced: the target's history.
    for (const row of this.#sql.succeeded.iterate(targetKey.toLowerCase())) {
      for (const image of [`${row.image}:${row.tag}`, row.previous_image]) {
        if (image !== null) images.add(image);
        if (images.size >= limit) return [...images];
      }
    }
    return [...images];
  }

  claimTokenId(jti: string, expiresAt: string): boolean {
    return this.#write("record a token id", () => this.#claimTokenId.immediate(jti, expiresAt));
  }

  isHealthy(): boolean {
    if (!this.#db.open) return false;
    if (this.#writeFailedAt !== undefined && this.#now() - this.#writeFailedAt < WRITE_FAILURE_WINDOW_MS)
      return false;
    try {
      this.#sql.ping.get();
      this.#probe.immediate();
    } catch (error) {
      return error instanceof ProbeRollback;
    }
    return true;
  }

  close(): void {
    if (!this.#db.open) return;
    try {
      this.#db.pragma("optimize");
    } catch {
      // Best effort: refreshing planner statistics must never keep the database open.
    }
    this.#db.close();
  }

  /** Runs a write; "cannot write now" becomes a {@link StoreUnavailableError} and marks the store unhealthy. */
  #write<T>(what: string, write: () => T): T {
    this.#uncommitted = [];
    try {
      const result = write();
      this.#writeFailedAt = undefined;
      this.#tellCommitted();
      return result;
    } catch (error) {
      this.#uncommitted = [];
      const unavailable = toStoreUnavailable(error, what);
      if (unavailable === undefined) throw error;
      this.#writeFailedAt = this.#now();
      throw unavailable;
    }
  }

  /** After a commit: the events it recorded to every commit listener (a throwing one is reported). */
  #tellCommitted(): void {
    const events = this.#uncommitted;
    this.#uncommitted = [];
    if (events.length === 0) return;
    for (const listener of [...this.#commitListeners]) {
      try {
        listener(events);
      } catch (error) {
        try {
          this.#onListenerError(error);
        } catch {
          // Reporting must not break the write either.
        }
      }
    }
  }

  /** Runs a read; "cannot read now" (I/O error, lock, closed) becomes a {@link StoreUnavailableError}. */
  #read<T>(what: string, read: () => T): T {
    try {
      return read();
    } catch (error) {
      throw toStoreUnavailable(error, what) ?? error;
    }
  }

  #doRecordDelivery(key: DeliveryKey, inputs: readonly NewDeployment[]): RecordDeliveryResult {
    const nowMs = this.#now();
    const original = this.#findDelivery(key, nowMs);
    if (original !== undefined) {
      return {
        duplicate: true,
        deployments: this.#sql.deliveryDeployments.all(original).map(rowToDeployment),
      };
    }
    const deliveryId = key.deliveryId === "" ? null : (key.deliveryId ?? null);
    const delivery = this.#sql.insertDelivery.run(key.source, deliveryId, key.fingerprint, iso(nowMs));
    const deployments = inputs.map((input, position) => {
      const deployment = this.#insert(input, nowMs);
      this.#sql.linkDelivery.run(delivery.lastInsertRowid, position, deployment.id);
      return deployment;
    });
    return { duplicate: false, deployments };
  }

  /**
   * A delivery id is authoritative: the same id is a redelivery forever, and a new id is a new
   * event even if the fingerprint matches (a mutable tag pushed again). Only a delivery without
   * an id falls back to the fingerprint, matched within the window against every earlier delivery
   * from the source, with or without an id. See docs/adr/0003-store.md.
   */
  #findDelivery(key: DeliveryKey, nowMs: number): number | undefined {
    if (key.deliveryId !== undefined && key.deliveryId !== "") {
      return this.#sql.deliveryById.get(key.source, key.deliveryId)?.id;
    }
    if (!(key.windowMs > 0)) return undefined;
    const since = Number.isFinite(key.windowMs) ? iso(nowMs - key.windowMs) : "";
    return this.#sql.deliveryByFingerprint.get(key.source, key.fingerprint, since)?.id;
  }

  #insert(input: NewDeployment, nowMs: number): Deployment {
    const row = newDeploymentToRow(input, this.#nextId(nowMs), iso(nowMs));
    this.#sql.insert.run(row);
    this.#appendEvent({
      deployment_id: row.id,
      at: row.created_at,
      state: "queued",
      kind: "transition",
      detail: "queued",
      data: null,
    });
    return rowToDeployment(row);
  }

  #doTransition(input: TransitionInput): Deployment {
    const now = iso(this.#now());
    const from: readonly DeploymentState[] = typeof input.from === "string" ? [input.from] : input.from;
    const patch = patchToParams(input.patch);
    if (isTerminal(input.to) && input.patch?.finishedAt === undefined) {
      patch.finished_at = now;
      patch.set_finished_at = 1;
    }
    const row = this.#sql.transition.get({
      ...patch,
      id: input.id,
      from: JSON.stringify(from),
      to: input.to,
      now,
    });
    if (row === undefined) throw this.#whyNot(input, from);
    const data = input.data === undefined ? null : JSON.stringify(input.data);
    this.#appendEvent({
      deployment_id: input.id,
      at: now,
      state: input.to,
      kind: "transition",
      detail: input.detail,
      data,
    });
    return rowToDeployment(row);
  }

  #whyNot(input: TransitionInput, from: readonly DeploymentState[]): Error {
    const current = this.get(input.id);
    if (current === undefined) return new DeploymentNotFoundError(`deployment ${input.id} not found`);
    const options = { deploymentId: input.id, currentState: current.state };
    if (isTerminal(current.state)) {
      return new StoreConflictError(
        `deployment ${input.id} is ${current.state}, a terminal state; it cannot move to ${input.to}`,
        options,
      );
    }
    const expected = from.length === 0 ? "in none of the expected states" : `not ${from.join(" or ")}`;
    return new StoreConflictError(`deployment ${input.id} is ${current.state}, ${expected}`, options);
  }

  #doAnnotate(id: string, event: Omit<NewEvent, "at" | "state">, patch?: DeploymentPatch): Deployment {
    const now = iso(this.#now());
    const row = this.#sql.annotate.get({ ...patchToParams(patch), id, now });
    if (row === undefined) throw new DeploymentNotFoundError(`deployment ${id} not found`);
    this.#appendEvent({ ...event, at: now, state: row.state as DeploymentState });
    return rowToDeployment(row);
  }

  #appendEvent(event: NewEvent): void {
    const row = this.#sql.insertEvent.get(event);
    if (row !== undefined) this.#uncommitted.push(rowToFeedEvent(row));
  }

  #doClaimTokenId(jti: string, expiresAt: string): boolean {
    const expires = Date.parse(expiresAt);
    if (Number.isNaN(expires)) throw new RangeError(`expiresAt is not a date: ${expiresAt}`);
    this.#sql.purgeTokens.run(iso(this.#now()));
    return this.#sql.insertToken.run(jti, iso(expires)).changes === 1;
  }
}

function clampFeedLimit(limit: number): number {
  if (Number.isNaN(limit)) return 1;
  return Math.min(MAX_FEED_PAGE, Math.max(1, Math.trunc(limit)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
