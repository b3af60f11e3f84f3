import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { StoreLockedError } from "./store-errors.js";

/** A held lock; `release()` is idempotent. */
export interface ProcessLock {
  /** The lock file, or undefined for a database that needs none (`:memory:`). */
  readonly file: string | undefined;
  release(): void;
}

export interface ProcessLockOptions {
  /** Recorded in the lock for the error message of the next contender. Default `process.pid`. */
  readonly pid?: number;
}

/**
 * Takes the one-serve-per-database lock: `<database>.lock`, a small SQLite file (WAL mode) whose
 * write lock this process holds until `release()` or until it exits, however it exits — the
 * operating system drops the lock of a killed process, so a stale lock cannot block a restart and
 * a reused pid cannot fake a holder. The holder's pid is stored (committed) in the file, so a
 * contender, which may still read it, names it.
 *
 * @throws {StoreLockedError} when another process (or another lock in this one) holds it.
 */
export function acquireProcessLock(database: string, options: ProcessLockOptions = {}): ProcessLock {
  if (database === ":memory:" || database === "") return { file: undefined, release: () => undefined };
  const file = `${database}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 0 });
  const refuse = (): StoreLockedError => {
    const error = new StoreLockedError(database, file, holderPid(db));
    db.close();
    return error;
  };
  try {
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)");
    db.exec("BEGIN IMMEDIATE");
  } catch (error) {
    if (isBusy(error)) throw refuse();
    db.close();
    throw error;
  }
  // Record who holds it (committed, so contenders can read it), then hold the write lock again.
  db.exec("DELETE FROM holder");
  db.prepare("INSERT INTO holder (pid, since) VALUES (?, ?)").run(
    options.pid ?? process.pid,
    new Date().toISOString(),
  );
  db.exec("COMMIT");
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (error) {
    // Another process took it between the commit and now: it is the holder.
    if (isBusy(error)) throw refuse();
    db.close();
    throw error;
  }
  let released = false;
  return {
    file,
    release: () => {
      if (released) return;
      released = true;
      db.close();
    },
  };
}

function holderPid(db: Database.Database): number | undefined {
  try {
    const row = db.prepare("SELECT pid FROM holder LIMIT 1").get() as { pid?: unknown } | undefined;
    return typeof row?.pid === "number" ? row.pid : undefined;
  } catch {
    return undefined;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // Extended codes (SQLITE_BUSY_RECOVERY, SQLITE_LOCKED_SHAREDCACHE, …) are busy too.
  return typeof code === "string" && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
}
