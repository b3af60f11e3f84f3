import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import { StoreUnavailableError, type DeploymentStore } from "../../src/store/index.js";
import { SqliteDeploymentStore } from "../../src/store/sqlite-deployment-store.js";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const WORKER = "registry.example.com/shop/worker";
const SOAK = { verify: { soakMs: 10_000, timeoutMs: 120_000 } };

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A manual harness on a file store whose current connection the test can cap (`max_page_count`). */
async function fillableHarness(): Promise<{
  h: ManualHarness;
  fill: (id: string) => void;
  free: () => void;
}> {
  const path = join(mkdtempSync(join(tmpdir(), "drover-full-")), "drover.db");
  let db: Database.Database | undefined;
  const h = await createManualHarness({
    openStore: (now) =>
      new SqliteDeploymentStore(path, {
        now,
        onOpen: (connection) => {
          db = connection;
        },
      }),
  });
  const connection = (): Database.Database => {
    if (db === undefined) throw new Error("no connection");
    return db;
  };
  return {
    h,
    /**
     * "database or disk is full": caps the file at its size, then fills the room left in the pages
     * a write of deployment `id` would use (its event log, the newest rows) until nothing fits.
     */
    fill: (id) => {
      connection().pragma(`max_page_count = ${String(connection().pragma("page_count", { simple: true }))}`);
      for (const size of [4_000, 1_000, 200, 40, 1]) {
        for (let i = 0; ; i += 1) {
          if (i > 10_000) throw new Error("the capped database never filled up");
          try {
            h.store.annotate(id, "note", `filler ${"x".repeat(size)}`);
          } catch (error) {
            if (error instanceof StoreUnavailableError) break;
            throw error;
          }
        }
      }
    },
    free: () => {
      connection().pragma("max_page_count = 1073741823");
    },
  };
}

async function reach(h: ManualHarness, id: string, state: DeploymentState): Promise<void> {
  await h.time.runUntil(() => h.store.get(id)?.state === state);
}

/** Steps simulated time by `ms`. */
async function pass(h: ManualHarness, ms: number): Promise<void> {
  const until = h.time.now() + ms;
  await h.time.runUntil(() => h.time.now() >= until, { maxSimMs: ms + 1_000 });
}

function actions(h: ManualHarness): unknown[] {
  return h.sim.control
    .requests()
    .filter((request) => request.method === "POST")
    .map((request) => request.query["action"]);
}

const transitions = (store: DeploymentStore, d: Deployment | undefined) =>
  store.events(d?.id ?? "").filter((event) => event.kind === "transition");

describe("a store that stops accepting writes never abandons a deployment", () => {
  it("full while verifying: the run posts nothing, keeps its target, and finishes once writes work", async () => {
    const { h, fill, free } = await fillableHarness();
    harness = h;
    const first = h.submit(WORKER, "9.5.0", { service: "worker" }, SOAK);
    await reach(h, first.id, "verifying");

    fill(first.id);
    await pass(h, 120_000);

    // Two minutes later (past the soak and the verify timeout) nothing moved: no finish, no rollback.
    expect(h.store.get(first.id)?.state).toBe("verifying");
    expect(actions(h)).toEqual(["upgrade"]);
    expect(h.engine.stats().inFlight).toBe(1);
    expect(h.logs.text()).toMatch(/store cannot [a-z ]+ now; keeping the target and trying again/);
    expect(h.logs.text()).toMatch(/SQLITE_FULL/);
    // A push meanwhile cannot be recorded: refused (a webhook answers 503), nothing half-created.
    expect(() => h.submit(WORKER, "9.6.0", { service: "worker" })).toThrow(StoreUnavailableError);

    free();
    const second = h.submit(WORKER, "9.6.0", { service: "worker" });
    // The target is still the first run's: the second push waits in its queue.
    expect(h.store.get(second.id)?.state).toBe("queued");
    const [firstDone, secondDone] = await h.settle([first.id, second.id]);

    expect(firstDone?.state).toBe("succeeded");
    expect(secondDone?.state).toBe("succeeded");
    expect(actions(h)).toEqual(["upgrade", "finishupgrade", "upgrade", "finishupgrade"]);
    const secondStarted =
      transitions(h.store, secondDone).find((event) => event.state === "preparing")?.at ?? "";
    expect(secondStarted >= (firstDone?.finishedAt ?? "~")).toBe(true);
    expect(h.logs.text()).toMatch(/store accepts writes again/);
  });

  it("full while upgrading: the intent to finish is recorded before the POST", async () => {
    const { h, fill, free } = await fillableHarness();
    harness = h;
    const d = h.submit(
      WORKER,
      "9.5.0",
      { service: "worker" },
      { verify: { soakMs: 1_000, timeoutMs: 60_000 } },
    );
    await reach(h, d.id, "upgrading");

    fill(d.id);
    await pass(h, 60_000);

    expect(h.store.get(d.id)?.state).toBe("upgrading");
    expect(actions(h)).toEqual(["upgrade"]);
    free();
    const [done] = await h.settle([d.id]);

    expect(done?.state).toBe("succeeded");
    expect(transitions(h.store, done).map((event) => event.state)).toEqual([
      "queued",
      "preparing",
      "upgrading",
      "verifying",
      "finishing",
      "succeeded",
    ]);
    expect(actions(h)).toEqual(["upgrade", "finishupgrade"]);
  });

  it("a restart after the store was full: recovery resumes drover's own upgrade, never 'changed outside'", async () => {
    const { h, fill, free } = await fillableHarness();
    harness = h;
    const first = h.submit(WORKER, "9.5.0", { service: "worker" }, SOAK);
    await reach(h, first.id, "verifying");
    fill(first.id);
    await pass(h, 30_000);
    expect(h.store.get(first.id)?.state).toBe("verifying");
    free();
    // A push for the same target arrives, then drover restarts before the first run wrote again.
    const second = h.submit(WORKER, "9.6.0", { service: "worker" });

    await h.restart();
    const [firstDone, secondDone] = await h.settle([first.id, second.id]);

    expect(firstDone?.state).toBe("succeeded");
    const log = h.store.events(first.id).map((event) => event.detail);
    expect(log).toContain("resumed after restart: service upgraded; verifying from the start of the soak");
    expect(log.join("\n")).not.toMatch(/changed outside/);
    expect(secondDone?.state).toBe("succeeded");
    expect(actions(h)).toEqual(["upgrade", "finishupgrade", "upgrade", "finishupgrade"]);
  });
});
