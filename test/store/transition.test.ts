import { describe, expect, it } from "vitest";
import { DeploymentNotFoundError, StoreConflictError } from "../../src/store/index.js";
import { catchError, memoryStore, newDeployment } from "./store-fixtures.js";

describe("SqliteDeploymentStore", () => {
  describe("transition", () => {
    it("moves the state, applies the patch and appends a transition event with data", () => {
      const { store, clock } = memoryStore();
      const created = store.create(newDeployment());
      clock.advance(1_000);

      const moved = store.transition({
        id: created.id,
        from: "queued",
        to: "preparing",
        detail: "resolving the service",
        data: { attempt: 1 },
        patch: {
          previousImage: "shop/frontend:0.9.0",
          projectId: "1a5",
          serviceId: "1s7",
          startedAt: clock.iso(),
        },
      });

      expect(moved).toMatchObject({
        state: "preparing",
        previousImage: "shop/frontend:0.9.0",
        projectId: "1a5",
        serviceId: "1s7",
        startedAt: clock.iso(),
        updatedAt: clock.iso(),
        createdAt: created.createdAt,
      });
      expect(moved.finishedAt).toBeUndefined();
      expect(store.get(created.id)).toEqual(moved);
      expect(store.events(created.id).at(-1)).toEqual({
        seq: 2,
        deploymentId: created.id,
        at: clock.iso(),
        state: "preparing",
        kind: "transition",
        detail: "resolving the service",
        data: { attempt: 1 },
      });
    });

    it("accepts any of several from states", () => {
      const { store } = memoryStore();
      const created = store.create(newDeployment());

      const moved = store.transition({
        id: created.id,
        from: ["preparing", "queued"],
        to: "upgrading",
        detail: "x",
      });

      expect(moved.state).toBe("upgrading");
    });

    it("throws StoreConflictError and writes nothing when the state is not the expected one", () => {
      const { store } = memoryStore();
      const created = store.create(newDeployment());
      const attempt = () =>
        store.transition({ id: created.id, from: "verifying", to: "finishing", detail: "x" });

      expect(attempt).toThrow(StoreConflictError);
      const error = catchError(attempt);

      expect(error).toMatchObject({ code: "ERR_STORE_CONFLICT", status: 409, currentState: "queued" });
      expect(store.get(created.id)).toEqual(created);
      expect(store.events(created.id)).toHaveLength(1);
    });

    it("throws DeploymentNotFoundError for an unknown id", () => {
      const { store } = memoryStore();

      const error = catchError(() =>
        store.transition({ id: "d_missing", from: "queued", to: "preparing", detail: "x" }),
      );

      expect(error).toBeInstanceOf(DeploymentNotFoundError);
      expect(error).toMatchObject({ code: "ERR_DEPLOYMENT_NOT_FOUND", status: 404 });
    });

    it("sets finishedAt when it moves into a terminal state", () => {
      const { store, clock } = memoryStore();
      const created = store.create(newDeployment());
      clock.advance(5_000);

      const done = store.transition({
        id: created.id,
        from: "queued",
        to: "skipped",
        detail: "already running",
      });

      expect(done.finishedAt).toBe(clock.iso());
    });

    it("keeps a finishedAt given in the patch", () => {
      const { store } = memoryStore();
      const created = store.create(newDeployment());

      const done = store.transition({
        id: created.id,
        from: "queued",
        to: "canceled",
        detail: "x",
        patch: { finishedAt: "2020-02-02T00:00:00.000Z" },
      });

      expect(done.finishedAt).toBe("2020-02-02T00:00:00.000Z");
    });

    it("refuses a transition out of a terminal state even when from names that state", () => {
      const { store } = memoryStore();
      const created = store.create(newDeployment());
      store.transition({ id: created.id, from: "queued", to: "failed", detail: "x" });

      const error = catchError(() =>
        store.transition({ id: created.id, from: "failed", to: "queued", detail: "retry" }),
      );

      expect(error).toBeInstanceOf(StoreConflictError);
      expect(error).toMatchObject({ currentState: "failed" });
      expect(store.get(created.id)?.state).toBe("failed");
      expect(store.events(created.id)).toHaveLength(2);
    });

    it("clears a field patched with null and leaves fields that are not in the patch", () => {
      const { store } = memoryStore();
      const created = store.create(newDeployment());
      const error = { code: "ERR_UPGRADE_TIMEOUT", message: "upgrade timed out" };
      store.transition({
        id: created.id,
        from: "queued",
        to: "preparing",
        detail: "x",
        patch: { pendingAction: "upgrade", error, serviceId: "1s7" },
      });

      const cleared = store.transition({
        id: created.id,
        from: "preparing",
        to: "upgrading",
        detail: "upgrade accepted",
        patch: { pendingAction: null, error: null },
      });

      expect(cleared.pendingAction).toBeUndefined();
      expect(cleared.error).toBeUndefined();
      expect(cleared.serviceId).toBe("1s7");
      expect("pendingAction" in cleared).toBe(false);
    });
  });
});
