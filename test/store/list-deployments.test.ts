import { describe, expect, it } from "vitest";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import {
  InvalidCursorError,
  type DeploymentStore,
  type ListDeploymentsQuery,
} from "../../src/store/index.js";
import { memoryStore, newDeployment } from "./store-fixtures.js";

function pageThrough(
  store: DeploymentStore,
  query: Omit<ListDeploymentsQuery, "cursor">,
  between?: () => void,
) {
  const seen: Deployment[] = [];
  let cursor: string | undefined;
  do {
    const page = store.list(cursor === undefined ? query : { ...query, cursor });
    seen.push(...page.items);
    cursor = page.nextCursor;
    between?.();
  } while (cursor !== undefined);
  return seen;
}

function move(store: DeploymentStore, id: string, ...path: DeploymentState[]) {
  let from: DeploymentState = "queued";
  for (const to of path) {
    store.transition({ id, from, to, detail: "x" });
    from = to;
  }
}

describe("SqliteDeploymentStore", () => {
  describe("list", () => {
    it("pages newest first over a few hundred rows with no duplicates or gaps while rows are inserted", () => {
      const { store, clock } = memoryStore();
      const original = Array.from({ length: 333 }, (_, i) => {
        if (i % 3 === 0) clock.advance(1);
        return store.create(newDeployment({ tag: `t${i}` })).id;
      });
      let inserted = 0;

      const seen = pageThrough(store, { limit: 37 }, () => {
        clock.advance(1);
        store.create(newDeployment({ tag: `late${inserted++}` }));
      });

      expect(seen.map((d) => d.id)).toEqual([...original].reverse());
      expect(inserted).toBe(Math.ceil(333 / 37));
    });

    it("returns no next cursor when the last page is exactly full", () => {
      const { store } = memoryStore();
      for (let i = 0; i < 4; i++) store.create(newDeployment());

      const first = store.list({ limit: 2 });
      const second = store.list({ limit: 2, cursor: first.nextCursor! });

      expect(first.items).toHaveLength(2);
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeUndefined();
    });

    it("clamps the page size between 1 and 200", () => {
      const { store } = memoryStore();
      for (let i = 0; i < 205; i++) store.create(newDeployment());

      expect(store.list({ limit: 0 }).items).toHaveLength(1);
      expect(store.list({ limit: -3 }).items).toHaveLength(1);
      expect(store.list({ limit: Number.NaN }).items).toHaveLength(1);
      expect(store.list({ limit: 1_000 }).items).toHaveLength(200);
      expect(store.list({ limit: 2.9 }).items).toHaveLength(2);
    });

    it("rejects a cursor it did not produce", () => {
      const { store } = memoryStore();

      expect(() => store.list({ limit: 5, cursor: "bm9wZQ" })).toThrow(InvalidCursorError);
      expect(() => store.list({ limit: 5, cursor: "!!" })).toThrow(InvalidCursorError);
    });

    it("filters by target key case-insensitively", () => {
      const { store } = memoryStore();
      const shop = store.create(newDeployment());
      store.create(newDeployment({ target: { environment: "production", stack: "blog", service: "web" } }));

      const page = store.list({ targetKey: "PRODUCTION/Shop/frontend", limit: 10 });

      expect(page.items.map((d) => d.id)).toEqual([shop.id]);
    });

    it("filters by any of several states, newest first, across pages", () => {
      const { store } = memoryStore();
      const ids = Array.from({ length: 30 }, () => store.create(newDeployment()).id);
      ids.forEach((id, i) => {
        if (i % 3 === 0) move(store, id, "preparing", "upgrading", "verifying", "finishing", "succeeded");
        if (i % 3 === 1) move(store, id, "preparing", "failed");
      });
      const expected = ids.filter((_, i) => i % 3 !== 2).reverse();

      const seen = pageThrough(store, { states: ["succeeded", "failed", "succeeded"], limit: 7 });

      expect(seen.map((d) => d.id)).toEqual(expected);
      expect(store.list({ states: ["queued"], limit: 200 }).items).toHaveLength(10);
      expect(store.list({ states: [], limit: 200 }).items).toEqual([]);
    });

    it("filters by image name, or by name and tag, with a registry port in the name", () => {
      const { store } = memoryStore();
      const image = "registry.example.com:5000/shop/frontend";
      const one = store.create(newDeployment({ image, tag: "1.0.0" }));
      const two = store.create(newDeployment({ image, tag: "2.0.0" }));
      store.create(newDeployment({ image: "docker.io/library/nginx", tag: "1.0.0" }));

      expect(store.list({ image, limit: 10 }).items.map((d) => d.id)).toEqual([two.id, one.id]);
      expect(store.list({ image: `${image}:1.0.0`, limit: 10 }).items.map((d) => d.id)).toEqual([one.id]);
    });

    it("combines filters", () => {
      const { store } = memoryStore();
      const match = store.create(newDeployment({ tag: "2" }));
      store.create(newDeployment({ tag: "3" }));
      const other = store.create(
        newDeployment({ tag: "2", target: { environment: "e", stack: "s", service: "x" } }),
      );
      move(store, other.id, "skipped");

      const page = store.list({
        targetKey: match.targetKey,
        image: `${match.image}:2`,
        states: ["queued"],
        limit: 5,
      });

      expect(page.items.map((d) => d.id)).toEqual([match.id]);
    });
  });

  describe("successfulImages", () => {
    it("returns the images a target ran, newest first by finish time, without repeats", () => {
      const { store, clock } = memoryStore();
      const deploy = (tag: string, previousImage: string, finishedAt: string) => {
        const { id } = store.create(newDeployment({ image: "shop/frontend", tag }));
        store.transition({ id, from: "queued", to: "preparing", detail: "x", patch: { previousImage } });
        store.transition({ id, from: "preparing", to: "succeeded", detail: "x", patch: { finishedAt } });
      };
      deploy("3", "shop/frontend:2", "2025-03-01T00:00:00.000Z");
      deploy("1", "shop/frontend:0", "2025-01-01T00:00:00.000Z");
      deploy("2", "shop/frontend:hotfix", "2025-02-01T00:00:00.000Z");
      const failed = store.create(newDeployment({ image: "shop/frontend", tag: "4" }));
      move(store, failed.id, "preparing", "failed");
      clock.advance(1);

      const images = store.successfulImages("Production/Shop/Frontend", 10);

      expect(images).toEqual([
        "shop/frontend:3",
        "shop/frontend:2",
        "shop/frontend:hotfix",
        "shop/frontend:1",
        "shop/frontend:0",
      ]);
      expect(store.successfulImages("production/shop/frontend", 2)).toEqual([
        "shop/frontend:3",
        "shop/frontend:2",
      ]);
      expect(store.successfulImages("production/shop/frontend", 0)).toEqual([]);
      expect(store.successfulImages("production/shop/other", 5)).toEqual([]);
    });
  });

  describe("claimTokenId", () => {
    it("accepts a token id once and refuses its replay until it expires and is purged", () => {
      const { store, clock } = memoryStore();
      const expiresAt = new Date(clock.now() + 60_000).toISOString();

      const first = store.claimTokenId("jti-1", expiresAt);
      const replay = store.claimTokenId("jti-1", expiresAt);
      clock.advance(60_000);
      const afterExpiry = store.claimTokenId("jti-1", new Date(clock.now() + 60_000).toISOString());

      expect([first, replay, afterExpiry]).toEqual([true, false, true]);
      expect(store.claimTokenId("jti-2", expiresAt)).toBe(true);
    });

    it("compares expiry as an instant whatever the offset it is written with", () => {
      const { store, clock } = memoryStore();
      store.claimTokenId("jti-1", "2025-01-01T03:00:00+02:00");

      const replay = store.claimTokenId("jti-1", "2025-01-01T01:00:00.000Z");
      clock.advance(3_600_000);
      const expired = store.claimTokenId("jti-1", "2025-01-01T02:00:00.000Z");

      expect(replay).toBe(false);
      expect(expired).toBe(true);
    });

    it("throws on an expiry that is not a date", () => {
      const { store } = memoryStore();

      expect(() => store.claimTokenId("jti-1", "tomorrow")).toThrow(RangeError);
    });
  });
});
