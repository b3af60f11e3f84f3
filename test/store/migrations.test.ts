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
