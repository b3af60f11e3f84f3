import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { StoreUnavailableError, type DeploymentStore } from "../../src/store/index.js";
import { toStoreUnavailable } from "../../src/store/store-errors.js";
import { SqliteDeploymentStore, WRITE_FAILURE_WINDOW_MS } from "../../src/store/sqlite-deployment-store.js";
import { catchError, deliveryKey, manualClock, newDeployment } from "./store-fixtures.js";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const item of open.splice(0)) item.close();
});

/** A file store whose connection the test can cap (`PRAGMA max_page_count`): a real "database or disk is full". */
function cappableStore(clock = manualClock()) {
  const path = join(mkdtempSync(join(tmpdir(), "drover-full-")), "drover.db");
  let db: Database.Database | undefined;
  const store = new SqliteDeploymentStore(path, {
    now: clock.now,
    onOpen: (connection) => {
      db = connection;
    },
  });
  open.push(store);
  const connection = (): Database.Database => {
    if (db === undefined) throw new Error("onOpen was not called");
    return db;
  };
  return {
    store,
    clock,
    path,
    /** Caps the file at its current size and writes until nothing fits any more. */
    fill: (): void => {
      const pages = connection().pragma("page_count", { simple: true }) as number;
      connection().pragma(`max_page_count = ${pages}`);
      for (let i = 0; i < 100_000; i += 1) {
        try {
          store.create(newDeployment({ tag: `fill-${i}` }));
        } catch (error) {
          if (error instanceof StoreUnavailableError) return;
          throw error;
        }
      }
      throw new Error("the capped database never filled up");
    },
    free: (): void => {
      connection().pragma("max_page_count = 1073741823");
    },
  };
}

/** Fails the test unless `fn` throws a StoreUnavailableError; returns it. */
function unavailable(fn: () => unknown): StoreUnavailableError {
  const error = catchError(fn);
  expect(error).toBeInstanceOf(StoreUnavailableError);
  return error as StoreUnavailableError;
}

function count(store: DeploymentStore): number {
  return store.listActive().length;
}

describe("a store that cannot write", () => {
  it("raises StoreUnavailableError (503, SQLITE_FULL, retryAfterSeconds) for every kind of write and loses nothing", () => {
    const { store, fill } = cappableStore();
    const kept = store.create(newDeployment({ tag: "kept" }));
    fill();
    const before = count(store);

    const create = unavailable(() => store.create(newDeployment({ tag: "2.0.0" })));
    const delivery = unavailable(() =>
      store.recordDelivery(deliveryKey(), [newDeployment({ tag: "3.0.0" })]),
    );

    expect(create.status).toBe(503);
    expect(create.code).toBe("ERR_STORE_UNAVAILABLE");
    expect(create.sqliteCode).toBe("SQLITE_FULL");
    expect(create.retryAfterSeconds).toBeGreaterThan(0);
    expect(create.details).toEqual({ retryAfterSeconds: create.retryAfterSeconds });
    expect(create.message).toMatch(/database or disk is full/);
    expect(delivery.sqliteCode).toBe("SQLITE_FULL");
    expect(count(store)).toBe(before);
    expect(store.get(kept.id)?.state).toBe("queued");
    // Reads still work: the failed writes rolled back whole.
    expect(store.events(kept.id).map((event) => event.detail)).toEqual(["queued"]);
  });

  it("isHealthy() is false while writes fail and true again once they work", () => {
    const { store, clock, fill, free } = cappableStore();
    expect(store.isHealthy()).toBe(true);
    fill();

    expect(store.isHealthy()).toBe(false);
    // Long after the last failed write, the probe write (rolled back) still finds no room.
    clock.advance(WRITE_FAILURE_WINDOW_MS + 1);
    expect(store.isHealthy()).toBe(false);

    free();
    expect(store.isHealthy()).toBe(true);
    fill();
    expect(store.isHealthy()).toBe(false);
    free();
    // Within the window of a failed write, one successful write clears it.
    store.create(newDeployment({ tag: "after" }));
    expect(store.isHealthy()).toBe(true);
  });

  it("the readiness probe writes nothing", () => {
    const { store } = cappableStore();
    const before = count(store);
    for (let i = 0; i < 5; i += 1) expect(store.isHealthy()).toBe(true);
    expect(count(store)).toBe(before);
    expect(store.claimTokenId("jti-1", new Date(Date.UTC(2030, 0, 1)).toISOString())).toBe(true);
  });

  it("a closed store is unhealthy and its writes are StoreUnavailableError", () => {
    const { store } = cappableStore();
    store.close();
    expect(store.isHealthy()).toBe(false);
    expect(unavailable(() => store.create(newDeployment())).message).toMatch(/closed/);
  });

  it("maps SQLite's read-only and busy errors, and nothing else", () => {
    const { path } = cappableStore();
    const reader = new Database(path, { readonly: true });
    open.push(reader);
    const readonly = catchError(() => reader.prepare("DELETE FROM token_ids").run());
    const holder = new Database(path);
    open.push(holder);
    holder.exec("BEGIN IMMEDIATE");
    const other = new Database(path, { timeout: 0 });
    open.push(other);
    const busy = catchError(() => other.exec("BEGIN IMMEDIATE"));
    holder.exec("ROLLBACK");
    const constraint = catchError(() => other.prepare("INSERT INTO deployments (id) VALUES (NULL)").run());

    expect(toStoreUnavailable(readonly, "write")?.sqliteCode).toMatch(/^SQLITE_READONLY/);
    expect(toStoreUnavailable(busy, "write")?.sqliteCode).toMatch(/^SQLITE_BUSY/);
    expect(toStoreUnavailable(busy, "write")?.retryAfterSeconds).toBe(1);
    expect((constraint as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(toStoreUnavailable(constraint, "write")).toBeUndefined();
    expect(toStoreUnavailable(new Error("boom"), "write")).toBeUndefined();
  });
});
