import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TERMINAL_STATES } from "../../src/domain/index.js";
import { DEPLOYMENT_COLUMNS } from "../../src/store/deployment-rows.js";
import { MIGRATIONS, applyMigrations, readUserVersion } from "../../src/store/migrations.js";
import { StoreOpenError } from "../../src/store/index.js";
import { SqliteDeploymentStore } from "../../src/store/sqlite-deployment-store.js";
import { newDeployment } from "./store-fixtures.js";

const dirs: string[] = [];
function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "drover-migrations-"));
  dirs.push(dir);
  return join(dir, "drover.db");
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tables(db: Database.Database): string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);
}

describe("applyMigrations", () => {
  it("brings a new database to the latest version", () => {
    const db = new Database(":memory:");

    applyMigrations(db);

    expect(readUserVersion(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual([
      "deliveries",
      "delivery_deployments",
      "deployment_events",
      "deployments",
      "token_ids",
    ]);
  });

  it("runs only the migrations a file has not seen yet, and keeps its rows", () => {
    const path = tempDbPath();
    const v1 = ["CREATE TABLE a (x INTEGER)", "INSERT INTO a VALUES (1)"];
    const first = new Database(path);
    applyMigrations(first, v1);
    first.prepare("INSERT INTO a VALUES (2)").run();
    first.close();
    const second = new Database(path);

    applyMigrations(second, [...v1, "ALTER TABLE a ADD COLUMN y TEXT DEFAULT 'new'"]);

    expect(readUserVersion(second)).toBe(3);
    expect(second.prepare("SELECT x, y FROM a ORDER BY x").all()).toEqual([
      { x: 1, y: "new" },
      { x: 2, y: "new" },
    ]);
    second.close();
  });

  it("applies nothing when one pending migration fails", () => {
    const db = new Database(":memory:");

    expect(() => applyMigrations(db, ["CREATE TABLE a (x INTEGER)", "THIS IS NOT SQL"])).toThrow();

    expect(readUserVersion(db)).toBe(0);
    expect(tables(db)).toEqual([]);
  });

  it("refuses a database from a newer version and leaves it untouched", () => {
    const db = new Database(":memory:");
    db.pragma("user_version = 99");

    const attempt = () => applyMigrations(db);

    expect(attempt).toThrow(StoreOpenError);
    expect(attempt).toThrow(/version 99/);
    expect(readUserVersion(db)).toBe(99);
    expect(tables(db)).toEqual([]);
  });

  it("maps every column of the deployments table", () => {
    const db = new Database(":memory:");
    applyMigrations(db);

    const columns = db.prepare<[], { name: string }>("PRAGMA table_info(deployments)").all();

    expect(columns.map((column) => column.name)).toEqual([...DEPLOYMENT_COLUMNS]);
  });

  it("keeps the partial index of active deployments in step with TERMINAL_STATES", () => {
    const db = new Database(":memory:");
    applyMigrations(db);

    const { sql } = db
      .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'deployments_active'")
      .get()!;

    const listed = [...sql.matchAll(/'([a-z-]+)'/g)].map((match) => match[1]);
    expect(listed.sort()).toEqual([...TERMINAL_STATES].sort());
  });
});

describe("SqliteDeploymentStore", () => {
  it("refuses to open a file whose schema is newer than this build", () => {
    const path = tempDbPath();
    const future = new Database(path);
    future.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    future.close();

    const error = (() => {
      try {
        new SqliteDeploymentStore(path).close();
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error).toMatchObject({ code: "ERR_STORE_OPEN" });
    const reopened = new Database(path);
    expect(readUserVersion(reopened)).toBe(MIGRATIONS.length + 1);
    expect(tables(reopened)).toEqual([]);
    reopened.close();
  });

  it("upgrades a file written with an older schema list without losing deployments", () => {
    const path = tempDbPath();
    const old = new SqliteDeploymentStore(path, { migrations: MIGRATIONS });
    const created = old.create(newDeployment());
    old.close();

    const upgraded = new SqliteDeploymentStore(path, {
      migrations: [...MIGRATIONS, "CREATE INDEX deployments_by_source ON deployments (source)"],
    });

    expect(upgraded.get(created.id)).toEqual(created);
    upgraded.close();
  });
});

describe("migration 4: the event feed", () => {
  /** A version-3 database holding two deployments whose events interleave in time. */
  function version3File(): string {
    const path = tempDbPath();
    const db = new Database(path);
    applyMigrations(db, MIGRATIONS.slice(0, 3));
    const insert = db.prepare(
      `INSERT INTO deployments (id, environment, stack, service, target_key, image, tag, state, source,
         settings, created_at, updated_at)
       VALUES (?, 'demo', 'shop', ?, ?, 'registry.example.com/shop/x', '1', 'preparing', 'manual', '{}', ?, ?)`,
    );
    insert.run("d_a", "a", "demo/shop/a", "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:03.000Z");
    insert.run("d_b", "b", "demo/shop/b", "2025-01-01T00:00:01.000Z", "2025-01-01T00:00:02.000Z");
    const event = db.prepare(
      `INSERT INTO deployment_events (deployment_id, seq, at, state, kind, detail) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    event.run("d_b", 1, "2025-01-01T00:00:01.000Z", "queued", "transition", "queued");
    event.run("d_a", 2, "2025-01-01T00:00:03.000Z", "preparing", "transition", "a2");
    event.run("d_a", 1, "2025-01-01T00:00:00.000Z", "queued", "transition", "queued");
    event.run("d_b", 2, "2025-01-01T00:00:01.000Z", "preparing", "transition", "b2");
    db.close();
    return path;
  }

  it("numbers the stored events in (at, deployment, seq) order and new events after them", () => {
    const store = new SqliteDeploymentStore(version3File(), { now: () => Date.UTC(2025, 0, 2) });

    const backfilled = store.eventsAfter(0, 100).map((e) => [e.feedId, e.deploymentId, e.seq]);
    store.annotate("d_b", "note", "after the upgrade");

    expect(backfilled).toEqual([
      [1, "d_a", 1],
      [2, "d_b", 1],
      [3, "d_b", 2],
      [4, "d_a", 2],
    ]);
    expect(store.eventsAfter(4, 100)).toMatchObject([{ feedId: 5, deploymentId: "d_b", seq: 3 }]);
    expect(store.latestFeedId()).toBe(5);
    store.close();
  });

  it("refuses a second event with a feed id already taken", () => {
    const db = new Database(":memory:");
    applyMigrations(db);
    db.exec(`INSERT INTO deployments (id, environment, stack, service, target_key, image, tag, state, source,
      settings, created_at, updated_at) VALUES ('d_a', 'e', 's', 'x', 'e/s/x', 'i', 't', 'queued', 'manual', '{}', '', '')`);
    const event = db.prepare(
      "INSERT INTO deployment_events (deployment_id, seq, at, state, kind, detail, feed_id) VALUES ('d_a', ?, '', 'queued', 'note', '', 7)",
    );
    event.run(1);

    expect(() => event.run(2)).toThrow(/UNIQUE/);
  });
});

describe("SqliteDeploymentStore commit listeners", () => {
  it("reports a listener that throws to onListenerError and still commits the write", () => {
    const reported: unknown[] = [];
    const store = new SqliteDeploymentStore(":memory:", { onListenerError: (error) => reported.push(error) });
    const bug = new Error("listener bug");
    store.onCommit(() => {
      throw bug;
    });

    const created = store.create(newDeployment());

    expect(reported).toEqual([bug]);
    expect(store.get(created.id)?.state).toBe("queued");
    expect(store.eventsAfter(0, 10)).toHaveLength(1);
    store.close();
  });
});
