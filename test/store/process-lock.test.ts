import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireProcessLock, openStore, StoreLockedError } from "../../src/store/index.js";

const databaseIn = (): string => join(mkdtempSync(join(tmpdir(), "drover-lock-")), "data", "drover.db");

function lockErrorOf(run: () => unknown): StoreLockedError {
  try {
    run();
  } catch (error) {
    if (error instanceof StoreLockedError) return error;
    throw error;
  }
  throw new Error("expected a StoreLockedError");
}

describe("acquireProcessLock", () => {
  it("refuses a second holder, naming the database, the lock file and the holder's pid", () => {
    const database = databaseIn();
    const lock = acquireProcessLock(database, { pid: 4242 });

    const error = lockErrorOf(() => acquireProcessLock(database));
    lock.release();

    expect(lock.file).toBe(`${database}.lock`);
    expect(error).toMatchObject({ code: "ERR_STORE_LOCKED", lockFile: `${database}.lock`, holderPid: 4242 });
    expect(error.message).toContain(
      `the database ${database} is in use by another drover serve (process 4242`,
    );
  });

  it("can be taken again once released, and release is idempotent", () => {
    const database = databaseIn();
    const first = acquireProcessLock(database, { pid: 1 });
    first.release();
    first.release();

    const second = acquireProcessLock(database, { pid: 2 });
    const error = lockErrorOf(() => acquireProcessLock(database));
    second.release();

    expect(error.holderPid).toBe(2);
  });

  it("does not stop the store itself from being opened by other connections (the CLI)", () => {
    const database = databaseIn();
    const lock = acquireProcessLock(database);

    const opened = (): void => openStore({ path: database }).close();

    expect(opened).not.toThrow();
    lock.release();
  });

  it("takes no lock for an in-memory database", () => {
    const a = acquireProcessLock(":memory:");
    const b = acquireProcessLock(":memory:");

    expect(a.file).toBeUndefined();
    expect(b.file).toBeUndefined();
    a.release();
    b.release();
  });
});
