import { describe, expect, it } from "vitest";
import { DeploymentNotFoundError } from "../../src/store/index.js";
import { memoryStore, newDeployment } from "./store-fixtures.js";

describe("SqliteDeploymentStore", () => {
  describe("targetKeys", () => {
    it("lists every target with a deployment once, sorted", () => {
      const { store } = memoryStore();
      expect(store.targetKeys()).toEqual([]);
      const targets = [
        { environment: "prod", stack: "shop", service: "worker" },
        { environment: "demo", stack: "shop", service: "frontend" },
        { environment: "prod", stack: "shop", service: "worker" },
        { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" },
        { environment: "Prod", stack: "Shop", service: "API" },
      ];
      for (const target of targets) store.create(newDeployment({ target }));

      expect(store.targetKeys()).toEqual(["demo/shop/frontend", "prod/shop/api", "prod/shop/worker"]);
    });

    it("latestSucceeded: the newest succeeded primary deployment of a target, ignoring sidekicks and failures", () => {
      const { store, clock } = memoryStore();
      const frontend = { environment: "demo", stack: "shop", service: "frontend" };
      const finish = (tag: string, to: "succeeded" | "rolled-back", sidekick?: string) => {
        const created = store.create(
          newDeployment({ target: sidekick === undefined ? frontend : { ...frontend, sidekick }, tag }),
        );
        clock.advance(1_000);
        return store.transition({ id: created.id, from: "queued", to, detail: "done" });
      };
      expect(store.latestSucceeded("demo/shop/frontend")).toBeUndefined();

      finish("1.0.0", "succeeded");
      const newest = finish("1.1.0", "succeeded");
      finish("bad-1.2.0", "rolled-back");
      finish("1.27", "succeeded", "nginx");

      expect(store.latestSucceeded("Demo/Shop/Frontend")).toEqual(newest);
      expect(store.latestSucceeded("demo/shop/worker")).toBeUndefined();
    });
  });

  describe("create", () => {
    it("stores a queued deployment with a queued transition event", () => {
      const { store, clock } = memoryStore();

      const created = store.create(
        newDeployment({
          target: { environment: "Production", stack: "Shop", service: "Frontend", sidekick: "nginx" },
          digest: "sha256:abc",
          deliveryId: "evt-9",
          reqId: "req-1",
          parentId: "d_parent",
          source: "manual",
        }),
      );

      expect(created).toMatchObject({
        state: "queued",
        targetKey: "production/shop/frontend",
        target: { environment: "Production", stack: "Shop", service: "Frontend", sidekick: "nginx" },
        digest: "sha256:abc",
        deliveryId: "evt-9",
        reqId: "req-1",
        parentId: "d_parent",
        source: "manual",
        createdAt: clock.iso(),
        updatedAt: clock.iso(),
      });
      expect(created.id).toMatch(/^d_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(store.get(created.id)).toEqual(created);
      expect(store.events(created.id)).toEqual([
        {
          seq: 1,
          deploymentId: created.id,
          at: clock.iso(),
          state: "queued",
          kind: "transition",
          detail: "queued",
        },
      ]);
    });

    it("omits optional fields that were not given instead of setting them to undefined", () => {
      const { store } = memoryStore();

      const created = store.create(newDeployment());

      expect(Object.keys(created).sort()).toEqual(
        [
          "createdAt",
          "id",
          "image",
          "settings",
          "source",
          "state",
          "tag",
          "target",
          "targetKey",
          "updatedAt",
        ].sort(),
      );
      expect(Object.keys(created.target).sort()).toEqual(["environment", "service", "stack"]);
      expect(created.settings).toEqual(newDeployment().settings);
    });
  });

  describe("get and events", () => {
    it("returns undefined and no events for an unknown id", () => {
      const { store } = memoryStore();

      expect(store.get("d_nope")).toBeUndefined();
      expect(store.events("d_nope")).toEqual([]);
    });
  });

  describe("annotate", () => {
    it("patches and appends an event without changing the state, also in a terminal state", () => {
      const { store, clock } = memoryStore();
      const created = store.create(newDeployment());
      store.transition({ id: created.id, from: "queued", to: "succeeded", detail: "done" });
      clock.advance(10);

      const noted = store.annotate(
        created.id,
        "action",
        "about to POST upgrade",
        { pendingAction: "upgrade" },
        { to: "x:1" },
      );

      expect(noted).toMatchObject({ state: "succeeded", pendingAction: "upgrade", updatedAt: clock.iso() });
      expect(store.events(created.id).at(-1)).toEqual({
        seq: 3,
        deploymentId: created.id,
        at: clock.iso(),
        state: "succeeded",
        kind: "action",
        detail: "about to POST upgrade",
        data: { to: "x:1" },
      });
    });

    it("throws DeploymentNotFoundError for an unknown id", () => {
      const { store } = memoryStore();

      expect(() => store.annotate("d_missing", "note", "x")).toThrow(DeploymentNotFoundError);
    });
  });

  describe("listActive", () => {
    it("returns the non-terminal deployments, oldest first", () => {
      const { store, clock } = memoryStore();
      const ids = Array.from({ length: 5 }, (_, i) => {
        clock.advance(i % 2);
        return store.create(newDeployment({ tag: `1.0.${i}` })).id;
      });
      store.transition({ id: ids[1]!, from: "queued", to: "superseded", detail: "x" });
      store.transition({ id: ids[3]!, from: "queued", to: "preparing", detail: "x" });

      const active = store.listActive();

      expect(active.map((d) => d.id)).toEqual([ids[0], ids[2], ids[3], ids[4]]);
    });
  });

  describe("isHealthy and close", () => {
    it("is healthy while open, unhealthy after close, and close can be called twice", () => {
      const { store } = memoryStore();
      const before = store.isHealthy();

      store.close();
      store.close();

      expect(before).toBe(true);
      expect(store.isHealthy()).toBe(false);
    });
  });
});
