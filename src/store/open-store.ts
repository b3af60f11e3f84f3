import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DeploymentStore } from "./deployment-store.js";
import { SqliteDeploymentStore } from "./sqlite-deployment-store.js";
import { StoreOpenError } from "./store-errors.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Path of the SQLite file, created with its parent directories if missing; `":memory:"` for a throw-away store. */
  readonly path: string;
  /** Clock in epoch milliseconds (ids, timestamps, dedupe windows, token expiry). Default `Date.now`. */
  readonly now?: () => number;
  /** Told about a commit listener (`onCommit`) that threw; the write itself is unaffected. */
  readonly onListenerError?: (error: unknown) => void;
}

/**
 * Opens the deployment store: creates the file's directory, opens SQLite in WAL mode and applies
 * pending schema migrations in one transaction.
 * @throws {StoreOpenError} when the directory or file cannot be created or opened, the file is not
 * a SQLite database, or its schema is newer than this build (it is never downgraded).
 * @example
 * const store = openStore({ path: "data/drover.db" });
 * try { … } finally { store.close(); }
 */
export function openStore(options: OpenStoreOptions): DeploymentStore {
  if (options.path !== ":memory:" && options.path !== "") {
    try {
      mkdirSync(dirname(options.path), { recursive: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreOpenError(`cannot create the directory of ${options.path}: ${reason}`, { cause: error });
    }
  }
  return new SqliteDeploymentStore(options.path, {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onListenerError === undefined ? {} : { onListenerError: options.onListenerError }),
  });
}
