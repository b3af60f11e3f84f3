import type { DeploymentState } from "../domain/index.js";
import { AppError } from "../errors/index.js";

/** Extra, optional context of a {@link StoreConflictError}. */
export interface StoreConflictOptions {
  readonly cause?: unknown;
  readonly deploymentId?: string;
  /** The state the deployment was actually in when the conditional update matched nothing. */
  readonly currentState?: DeploymentState;
}

/**
 * 409: a conditional write found the deployment in another state than the caller expected
 * (someone else moved it), or in a terminal state, which is never left.
 */
export class StoreConflictError extends AppError {
  readonly code = "ERR_STORE_CONFLICT";
  override readonly status = 409;
  readonly deploymentId: string | undefined;
  readonly currentState: DeploymentState | undefined;

  constructor(message: string, options: StoreConflictOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.deploymentId = options.deploymentId;
    this.currentState = options.currentState;
  }
}

/** 404: no deployment has this id. */
export class DeploymentNotFoundError extends AppError {
  readonly code = "ERR_DEPLOYMENT_NOT_FOUND";
  override readonly status = 404;
}

/**
 * The database could not be opened or migrated: unreadable path, not a SQLite file, or a schema
 * newer than this build knows (never downgraded). Raised at start-up; `status` stays 500.
 */
export class StoreOpenError extends AppError {
  readonly code = "ERR_STORE_OPEN";
}

/** 400: a `cursor` that no page of `list` produced. */
export class InvalidCursorError extends AppError {
  readonly code = "ERR_STORE_CURSOR_INVALID";
  override readonly status = 400;
}

/**
 * 503: the database cannot take this write (or read) right now — disk or `max_page_count` full
 * (`SQLITE_FULL`), a read-only file (`SQLITE_READONLY*`), an I/O error (`SQLITE_IOERR*`), another
 * connection holding the lock past the busy timeout (`SQLITE_BUSY*`, `SQLITE_LOCKED*`), a file
 * that cannot be opened (`SQLITE_CANTOPEN*`), or a closed connection. Nothing was written; the
 * caller may try again after `retryAfterSeconds` (HTTP answers carry it as `Retry-After`).
 */
export class StoreUnavailableError extends AppError {
  readonly code = "ERR_STORE_UNAVAILABLE";
  override readonly status = 503;
  readonly retryAfterSeconds: number;
  /** SQLite's extended result code (`SQLITE_FULL`, …), when SQLite gave one. */
  readonly sqliteCode: string | undefined;
  override readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { retryAfterSeconds: number; sqliteCode?: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.sqliteCode = options.sqliteCode;
    this.details = { retryAfterSeconds: options.retryAfterSeconds };
  }
}

/** SQLite result codes (primary part) meaning "the database cannot be used right now", not "bad input". */
const UNAVAILABLE_CODES = new Set([
  "SQLITE_FULL",
  "SQLITE_READONLY",
  "SQLITE_IOERR",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
  "SQLITE_NOMEM",
]);

/** Seconds a client should wait before retrying after a {@link StoreUnavailableError}. */
export const STORE_RETRY_AFTER_SECONDS = { busy: 1, other: 10 } as const;

/**
 * Maps a better-sqlite3 error to a {@link StoreUnavailableError} when it means the database cannot
 * be used right now; undefined for anything else (a constraint, a bug). The message names the
 * SQLite code and says what failed, never a row's content.
 */
export function toStoreUnavailable(error: unknown, what: string): StoreUnavailableError | undefined {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new StoreUnavailableError(`cannot ${what}: the database is closed`, {
      retryAfterSeconds: STORE_RETRY_AFTER_SECONDS.other,
      cause: error,
    });
  }
  if (!(error instanceof Error) || !("code" in error) || typeof error.code !== "string") return undefined;
  const code = error.code;
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  if (!UNAVAILABLE_CODES.has(primary)) return undefined;
  const busy = primary === "SQLITE_BUSY" || primary === "SQLITE_LOCKED";
  return new StoreUnavailableError(`cannot ${what} now (${code}): ${error.message}`, {
    retryAfterSeconds: busy ? STORE_RETRY_AFTER_SECONDS.busy : STORE_RETRY_AFTER_SECONDS.other,
    sqliteCode: code,
    cause: error,
  });
}

/**
 * Another live `drover serve` holds the database (`lockFile`, held by `holderPid` when known).
 * The CLI commands that share the database with a running serve (`deploy`, `deployments`) never
 * take the lock.
 */
export class StoreLockedError extends AppError {
  readonly code = "ERR_STORE_LOCKED";
  readonly lockFile: string;
  readonly holderPid: number | undefined;

  constructor(database: string, lockFile: string, holderPid: number | undefined) {
    const holder = holderPid === undefined ? "another process" : `process ${holderPid}`;
    super(
      `the database ${database} is in use by another drover serve (${holder}, lock ${lockFile}); ` +
        "only one serve may use a database: stop the other one, or give this one its own storage.path",
    );
    this.lockFile = lockFile;
    this.holderPid = holderPid;
  }
}
