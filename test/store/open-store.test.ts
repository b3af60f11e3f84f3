import Database from "better-sqlite3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StoreOpenError, openStore } from "../../src/store/index.js";
import { newDeployment } from "./store-fixtures.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "drover-store-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("openStore", () => {
  it("creates missing parent directories and sets the connection pragmas", () => {
    const path = join(tempDir(), "nested", "deeper", "drover.db");

    const store = openStore({ path });
    store.create(newDeployment());
    const peek = new Database(path, { readonly: true });

    expect(peek.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.isHealthy()).toBe(true);
    peek.close();
    store.close();
  });

  it("opens a private in-memory store for :memory:", () => {
    const first = openStore({ path: ":memory:" });
    const second = openStore({ path: ":memory:" });

    first.create(newDeployment());

    expect(first.list({ limit: 10 }).items).toHaveLength(1);
    expect(second.list({ limit: 10 }).items).toHaveLength(0);
    first.close();
    second.close();
  });

  it("throws StoreOpenError for a file that is not a SQLite database", () => {
    const path = join(tempDir(), "drover.db");
    writeFileSync(path, "this is not a database, just some text long enough to have a header".repeat(10));

    expect(() => openStore({ path })).toThrow(StoreOpenError);
  });

  it("throws StoreOpenError when the directory cannot be created", () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "");

    const attempt = () => openStore({ path: join(file, "drover.db") });

    expect(attempt).toThrow(StoreOpenError);
    expect(attempt).toThrow(/cannot create the directory/);
  });
});
