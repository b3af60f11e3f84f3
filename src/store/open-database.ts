import Database from "better-sqlite3";
import { applyMigrations } from "./migrations.js";
import { StoreOpenError } from "./store-errors.js";

/** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (or creates) the SQLite file at `path` (`":memory:"` for a private in-memory database),
 * sets the connection pragmas and brings the schema up to date.
 *
 * `synchronous = NORMAL` in WAL mode: a committed transaction survives the process being killed
 * (it is in the WAL file, in the OS page cache) but the last ones may be lost on power failure or
 * an OS crash, which fsync-per-commit (`FULL`) would prevent. See docs/adr/0003-store.md.
 * @throws {StoreOpenError} when the file cannot be opened, is not a SQLite database, or has a
 * newer schema than this build knows.
 */
export function openDatabase(path: string, migrations?: readonly string[]): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    applyMigrations(db, migrations);
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreOpenError(`cannot open the database at ${path}: ${reason}`, { cause: error });
  }
}
