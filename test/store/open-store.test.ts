import Database from "better-sqlite3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StoreOpenError, openStore } from "../../src/store/index.js";
import { deliveryKey, manualClock, newDeployment } from "./store-fixtures.js";

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

  it("uses the injected clock for timestamps", () => {
    const clock = manualClock(Date.UTC(2030, 5, 1));
    const store = openStore({ path: ":memory:", now: clock.now });

    const created = store.create(newDeployment());

    expect(created.createdAt).toBe("2030-06-01T00:00:00.000Z");
    store.close();
  });

  it("keeps deployments, events, deliveries and token ids across a reopen", () => {
    const path = join(tempDir(), "drover.db");
    const store = openStore({ path });
    const { deployments } = store.recordDelivery(deliveryKey({ deliveryId: "evt-7" }), [newDeployment()]);
    const id = deployments[0]!.id;
    store.transition({
      id,
      from: "queued",
      to: "preparing",
      detail: "x",
      patch: { pendingAction: "upgrade" },
    });
    store.claimTokenId("jti-1", new Date(Date.now() + 3_600_000).toISOString());
    store.close();

    const reopened = openStore({ path });

    expect(reopened.get(id)).toMatchObject({ state: "preparing", pendingAction: "upgrade" });
    expect(reopened.events(id).map((e) => e.state)).toEqual(["queued", "preparing"]);
    expect(reopened.recordDelivery(deliveryKey({ deliveryId: "evt-7" }), [newDeployment()])).toMatchObject({
      duplicate: true,
      deployments: [{ id }],
    });
    expect(reopened.claimTokenId("jti-1", new Date(Date.now() + 3_600_000).toISOString())).toBe(false);
    expect(reopened.listActive().map((d) => d.id)).toEqual([id]);
    reopened.close();
  });

  it("creates ids after the stored ones when reopened with a clock that went back", () => {
    const path = join(tempDir(), "drover.db");
    const first = openStore({ path, now: () => Date.UTC(2030, 0, 1) });
    const before = first.create(newDeployment());
    first.close();

    const second = openStore({ path, now: () => Date.UTC(2020, 0, 1) });
    const after = second.create(newDeployment());

    expect(after.id > before.id).toBe(true);
    expect(second.list({ limit: 1 }).items[0]?.id).toBe(after.id);
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
