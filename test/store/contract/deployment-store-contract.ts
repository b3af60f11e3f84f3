/**
 * The behaviour every `DeploymentStore` implementation must show, as one vitest suite. Run it
 * against an implementation with {@link describeDeploymentStoreContract} (see
 * `test/store/sqlite-contract.test.ts`). Every call is awaited, so an implementation whose
 * methods return promises (a PostgreSQL store) runs the same suite unchanged.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Deployment, DeploymentState, FeedEvent } from "../../../src/domain/index.js";
import {
  DeploymentNotFoundError,
  InvalidCursorError,
  StoreConflictError,
  type DeploymentStore,
  type ListDeploymentsQuery,
} from "../../../src/store/index.js";
import { deliveryKey, manualClock, newDeployment, type ManualClock } from "./contract-fixtures.js";

/** A store's methods, each returning a promise (synchronous throws become rejections). */
export type AwaitedStore = {
  readonly [K in keyof DeploymentStore]: DeploymentStore[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

function awaited(store: DeploymentStore): AwaitedStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      // A synchronous throw becomes a rejection; a returned promise is passed through.
      return (...args: unknown[]): Promise<unknown> =>
        new Promise((resolve) => resolve((value as (...a: unknown[]) => unknown).apply(target, args)));
    },
  }) as unknown as AwaitedStore;
}

export interface StoreContractOptions {
  /**
   * For durable implementations: closes `store` and opens another one over the same data with
   * the clock `now`. Enables the "survives a reopen" cases.
   */
  readonly reopen?: (store: DeploymentStore, now: () => number) => DeploymentStore | Promise<DeploymentStore>;
}

/**
 * Registers the contract suite for one implementation. `open(now)` must return a new, empty
 * store that reads time only from `now` (epoch ms): ids, timestamps, dedupe windows and token
 * expiry all follow it. Each store opened is closed after its test.
 */
export function describeDeploymentStoreContract(
  name: string,
  open: (now: () => number) => DeploymentStore | Promise<DeploymentStore>,
  options: StoreContractOptions = {},
): void {
  const opened: DeploymentStore[] = [];

  async function fresh(
    clock: ManualClock = manualClock(),
  ): Promise<{ store: AwaitedStore; clock: ManualClock }> {
    const raw = await open(clock.now);
    opened.push(raw);
    return { store: awaited(raw), clock };
  }

  async function move(store: AwaitedStore, id: string, ...path: DeploymentState[]): Promise<void> {
    let from: DeploymentState = "queued";
    for (const to of path) {
      await store.transition({ id, from, to, detail: "x" });
      from = to;
    }
  }

  async function pageThrough(
    store: AwaitedStore,
    query: Omit<ListDeploymentsQuery, "cursor">,
    between?: () => Promise<void>,
  ): Promise<Deployment[]> {
    const seen: Deployment[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(cursor === undefined ? query : { ...query, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
      await between?.();
    } while (cursor !== undefined);
    return seen;
  }

  describe(`DeploymentStore contract: ${name}`, () => {
    afterEach(async () => {
      // `close` may be synchronous (SQLite) or return a promise (a networked store).
      for (const store of opened.splice(0)) await Promise.resolve(store.close());
    });

    describe("create, get and events", () => {
      it("stores a queued deployment with a queued transition event", async () => {
        const { store, clock } = await fresh();

        const created = await store.create(
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
        expect(await store.get(created.id)).toEqual(created);
        expect(await store.events(created.id)).toEqual([
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

      it("omits optional fields that were not given instead of setting them to undefined", async () => {
        const { store } = await fresh();

        const created = await store.create(newDeployment());

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

      it("keeps Docker Hub's callback URL with the deployment and omits it when absent", async () => {
        const { store } = await fresh();
        const url = "https://registry.hub.docker.com/u/acme/api/hook/4398154ac0dd05b804b2f37dbac61a25/";

        const withUrl = await store.create(newDeployment({ source: "dockerhub", callbackUrl: url }));
        const without = await store.create(newDeployment());

        expect((await store.get(withUrl.id))?.callbackUrl).toBe(url);
        expect(await store.get(without.id)).not.toHaveProperty("callbackUrl");
      });

      it("uses the injected clock for timestamps", async () => {
        const { store } = await fresh(manualClock(Date.UTC(2030, 5, 1)));

        const created = await store.create(newDeployment());

        expect(created.createdAt).toBe("2030-06-01T00:00:00.000Z");
      });

      it("gives ids that grow with every deployment, also within one millisecond", async () => {
        const { store } = await fresh();

        const ids: string[] = [];
        for (let i = 0; i < 50; i++) ids.push((await store.create(newDeployment())).id);

        expect(new Set(ids).size).toBe(50);
        expect([...ids].sort()).toEqual(ids);
      });

      it("returns undefined and no events for an unknown id", async () => {
        const { store } = await fresh();

        expect(await store.get("d_nope")).toBeUndefined();
        expect(await store.events("d_nope")).toEqual([]);
      });
    });

    describe("recordDelivery", () => {
      it("creates every deployment of a new delivery, queued, with a queued event each", async () => {
        const { store } = await fresh();
        const targets = ["frontend", "frontend-worker"].map((service) =>
          newDeployment({ target: { environment: "production", stack: "shop", service } }),
        );

        const result = await store.recordDelivery(deliveryKey(), targets);

        expect(result.duplicate).toBe(false);
        expect(result.deployments.map((d) => [d.target.service, d.state])).toEqual([
          ["frontend", "queued"],
          ["frontend-worker", "queued"],
        ]);
        for (const deployment of result.deployments) {
          expect((await store.events(deployment.id)).map((e) => [e.kind, e.detail])).toEqual([
            ["transition", "queued"],
          ]);
        }
      });

      it("returns the original deployments, in their current state, for the same delivery id much later", async () => {
        const { store, clock } = await fresh();
        const first = await store.recordDelivery(deliveryKey({ deliveryId: "evt-1" }), [
          newDeployment(),
          newDeployment(),
        ]);
        const [a] = first.deployments;
        await store.transition({ id: a!.id, from: "queued", to: "preparing", detail: "x" });
        clock.advance(365 * 24 * 3600_000);

        const again = await store.recordDelivery(deliveryKey({ deliveryId: "evt-1", fingerprint: "other" }), [
          newDeployment({ tag: "ignored" }),
        ]);

        expect(again.duplicate).toBe(true);
        expect(again.deployments.map((d) => d.id)).toEqual(first.deployments.map((d) => d.id));
        expect(again.deployments[0]?.state).toBe("preparing");
        expect((await store.list({ limit: 200 })).items).toHaveLength(2);
      });

      it("treats the same delivery id from another source as a new delivery", async () => {
        const { store } = await fresh();
        await store.recordDelivery(deliveryKey({ source: "registry", deliveryId: "1" }), [newDeployment()]);

        const other = await store.recordDelivery(deliveryKey({ source: "harbor", deliveryId: "1" }), [
          newDeployment(),
        ]);

        expect(other.duplicate).toBe(false);
        expect(other.deployments).toHaveLength(1);
      });

      it("creates a second deployment for a new delivery id even when the fingerprint matches", async () => {
        const { store } = await fresh();
        await store.recordDelivery(deliveryKey({ deliveryId: "evt-1" }), [newDeployment()]);

        const second = await store.recordDelivery(deliveryKey({ deliveryId: "evt-2" }), [newDeployment()]);

        expect(second.duplicate).toBe(false);
        expect((await store.list({ limit: 10 })).items).toHaveLength(2);
      });

      it("dedupes a delivery without id by fingerprint within the window", async () => {
        const { store, clock } = await fresh();
        const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 60_000 });
        const first = await store.recordDelivery(noId, [newDeployment()]);
        clock.advance(59_999);

        const again = await store.recordDelivery(noId, [newDeployment()]);

        expect(again).toEqual({ duplicate: true, deployments: first.deployments });
      });

      it("creates a new deployment when the same fingerprint arrives after the window", async () => {
        const { store, clock } = await fresh();
        const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 60_000 });
        const first = await store.recordDelivery(noId, [newDeployment()]);
        clock.advance(60_000);

        const later = await store.recordDelivery(noId, [newDeployment()]);

        expect(later.duplicate).toBe(false);
        expect(later.deployments[0]?.id).not.toBe(first.deployments[0]?.id);
      });

      it("measures the window from the first delivery, not from the duplicates", async () => {
        const { store, clock } = await fresh();
        const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 1_000 });
        await store.recordDelivery(noId, [newDeployment()]);
        clock.advance(900);
        await store.recordDelivery(noId, [newDeployment()]);
        clock.advance(200);

        const third = await store.recordDelivery(noId, [newDeployment()]);

        expect(third.duplicate).toBe(false);
      });

      it("matches a delivery without id (or with an empty one) against an earlier one with an id", async () => {
        const { store, clock } = await fresh();
        const first = await store.recordDelivery(deliveryKey({ deliveryId: "evt-1" }), [newDeployment()]);
        clock.advance(10);

        const retry = await store.recordDelivery(deliveryKey({ deliveryId: "" }), [newDeployment()]);

        expect(retry).toEqual({ duplicate: true, deployments: first.deployments });
      });

      it("does not dedupe by fingerprint when the window is zero", async () => {
        const { store } = await fresh();
        const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 0 });
        await store.recordDelivery(noId, [newDeployment()]);

        expect((await store.recordDelivery(noId, [newDeployment()])).duplicate).toBe(false);
      });

      it("dedupes by fingerprint forever with an infinite window", async () => {
        const { store, clock } = await fresh();
        const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: Number.POSITIVE_INFINITY });
        const first = await store.recordDelivery(noId, [newDeployment()]);
        clock.advance(10 * 365 * 24 * 3600_000);

        expect(await store.recordDelivery(noId, [newDeployment()])).toEqual({
          duplicate: true,
          deployments: first.deployments,
        });
      });

      it("remembers a delivery that created no deployments and answers its duplicate with []", async () => {
        const { store } = await fresh();
        const first = await store.recordDelivery(deliveryKey({ deliveryId: "blob-push" }), []);

        const again = await store.recordDelivery(deliveryKey({ deliveryId: "blob-push" }), [newDeployment()]);

        expect(first).toEqual({ duplicate: false, deployments: [] });
        expect(again).toEqual({ duplicate: true, deployments: [] });
        expect((await store.list({ limit: 10 })).items).toEqual([]);
      });

      it("records nothing when one of the deployments cannot be written", async () => {
        const { store } = await fresh();
        const broken = newDeployment({ settings: { toJSON: () => undefined } as never });

        await expect(store.recordDelivery(deliveryKey(), [newDeployment(), broken])).rejects.toThrow();
        const retried = await store.recordDelivery(deliveryKey(), [newDeployment()]);

        expect(retried.duplicate).toBe(false);
        expect((await store.list({ limit: 10 })).items).toHaveLength(1);
      });
    });

    describe("transition", () => {
      it("moves the state, applies the patch and appends a transition event with data", async () => {
        const { store, clock } = await fresh();
        const created = await store.create(newDeployment());
        clock.advance(1_000);

        const moved = await store.transition({
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
        expect(await store.get(created.id)).toEqual(moved);
        expect((await store.events(created.id)).at(-1)).toEqual({
          seq: 2,
          deploymentId: created.id,
          at: clock.iso(),
          state: "preparing",
          kind: "transition",
          detail: "resolving the service",
          data: { attempt: 1 },
        });
      });

      it("accepts any of several from states", async () => {
        const { store } = await fresh();
        const created = await store.create(newDeployment());

        const moved = await store.transition({
          id: created.id,
          from: ["preparing", "queued"],
          to: "upgrading",
          detail: "x",
        });

        expect(moved.state).toBe("upgrading");
      });

      it("throws StoreConflictError and writes nothing when the state is not the expected one", async () => {
        const { store } = await fresh();
        const created = await store.create(newDeployment());

        const error = await store
          .transition({ id: created.id, from: "verifying", to: "finishing", detail: "x" })
          .catch((e: unknown) => e);

        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error).toMatchObject({ code: "ERR_STORE_CONFLICT", status: 409, currentState: "queued" });
        expect(await store.get(created.id)).toEqual(created);
        expect(await store.events(created.id)).toHaveLength(1);
      });

      it("throws DeploymentNotFoundError for an unknown id", async () => {
        const { store } = await fresh();

        const error = await store
          .transition({ id: "d_missing", from: "queued", to: "preparing", detail: "x" })
          .catch((e: unknown) => e);

        expect(error).toBeInstanceOf(DeploymentNotFoundError);
        expect(error).toMatchObject({ code: "ERR_DEPLOYMENT_NOT_FOUND", status: 404 });
      });

      it("sets finishedAt when it moves into a terminal state", async () => {
        const { store, clock } = await fresh();
        const created = await store.create(newDeployment());
        clock.advance(5_000);

        const done = await store.transition({
          id: created.id,
          from: "queued",
          to: "skipped",
          detail: "already running",
        });

        expect(done.finishedAt).toBe(clock.iso());
      });

      it("keeps a finishedAt given in the patch", async () => {
        const { store } = await fresh();
        const created = await store.create(newDeployment());

        const done = await store.transition({
          id: created.id,
          from: "queued",
          to: "canceled",
          detail: "x",
          patch: { finishedAt: "2020-02-02T00:00:00.000Z" },
        });

        expect(done.finishedAt).toBe("2020-02-02T00:00:00.000Z");
      });

      it("refuses a transition out of a terminal state even when from names that state", async () => {
        const { store } = await fresh();
        const created = await store.create(newDeployment());
        await store.transition({ id: created.id, from: "queued", to: "failed", detail: "x" });

        const error = await store
          .transition({ id: created.id, from: "failed", to: "queued", detail: "retry" })
          .catch((e: unknown) => e);

        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error).toMatchObject({ currentState: "failed" });
        expect((await store.get(created.id))?.state).toBe("failed");
        expect(await store.events(created.id)).toHaveLength(2);
      });

      it("clears a field patched with null and leaves fields that are not in the patch", async () => {
        const { store } = await fresh();
        const created = await store.create(newDeployment());
        const error = { code: "ERR_UPGRADE_TIMEOUT", message: "upgrade timed out" };
        await store.transition({
          id: created.id,
          from: "queued",
          to: "preparing",
          detail: "x",
          patch: { pendingAction: "upgrade", error, serviceId: "1s7" },
        });

        const cleared = await store.transition({
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

      it("supersedes a queued deployment in one conditional write: the loser of the race gets a conflict", async () => {
        const { store } = await fresh();
        const older = await store.create(newDeployment({ tag: "1.0.0" }));
        const newer = await store.create(newDeployment({ tag: "1.1.0" }));

        const superseded = await store.transition({
          id: older.id,
          from: "queued",
          to: "superseded",
          detail: `superseded by ${newer.id}`,
          patch: { supersededBy: newer.id },
        });
        const late = await store
          .transition({ id: older.id, from: "queued", to: "preparing", detail: "starting" })
          .catch((e: unknown) => e);

        expect(superseded).toMatchObject({ state: "superseded", supersededBy: newer.id });
        expect(superseded.finishedAt).toBeDefined();
        expect(late).toBeInstanceOf(StoreConflictError);
        expect(late).toMatchObject({ deploymentId: older.id, currentState: "superseded" });
        expect((await store.events(older.id)).map((e) => e.state)).toEqual(["queued", "superseded"]);
        expect((await store.listActive()).map((d) => d.id)).toEqual([newer.id]);
      });
    });

    describe("annotate", () => {
      it("patches and appends an event without changing the state, also in a terminal state", async () => {
        const { store, clock } = await fresh();
        const created = await store.create(newDeployment());
        await store.transition({ id: created.id, from: "queued", to: "succeeded", detail: "done" });
        clock.advance(10);

        const noted = await store.annotate(
          created.id,
          "action",
          "about to POST upgrade",
          { pendingAction: "upgrade" },
          { to: "x:1" },
        );

        expect(noted).toMatchObject({ state: "succeeded", pendingAction: "upgrade", updatedAt: clock.iso() });
        expect((await store.events(created.id)).at(-1)).toEqual({
          seq: 3,
          deploymentId: created.id,
          at: clock.iso(),
          state: "succeeded",
          kind: "action",
          detail: "about to POST upgrade",
          data: { to: "x:1" },
        });
      });

      it("throws DeploymentNotFoundError for an unknown id", async () => {
        const { store } = await fresh();

        await expect(store.annotate("d_missing", "note", "x")).rejects.toBeInstanceOf(
          DeploymentNotFoundError,
        );
      });
    });

    describe("event feed", () => {
      it("numbers every event of every write, strictly increasing, and reads them back in order", async () => {
        const { store } = await fresh();
        expect(await store.latestFeedId()).toBe(0);
        expect(await store.eventsAfter(0, 10)).toEqual([]);

        const first = await store.create(newDeployment());
        const { deployments } = await store.recordDelivery(deliveryKey(), [
          newDeployment({ tag: "2.0.0" }),
          newDeployment({ target: { environment: "staging", stack: "shop", service: "frontend" } }),
        ]);
        await store.transition({ id: first.id, from: "queued", to: "preparing", detail: "start" });
        await store.annotate(deployments[0]!.id, "note", "hello", undefined, { n: 1 });

        const feed = await store.eventsAfter(0, 100);
        const ids = feed.map((event) => event.feedId);
        expect(feed.map((event) => [event.deploymentId, event.seq, event.detail])).toEqual([
          [first.id, 1, "queued"],
          [deployments[0]!.id, 1, "queued"],
          [deployments[1]!.id, 1, "queued"],
          [first.id, 2, "start"],
          [deployments[0]!.id, 2, "hello"],
        ]);
        for (let i = 1; i < ids.length; i += 1) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
        expect(ids[0]!).toBeGreaterThan(0);
        expect(await store.latestFeedId()).toBe(ids.at(-1));
        const { feedId, ...event } = feed[4]!;
        expect(feedId).toBe(ids[4]);
        expect(event).toEqual((await store.events(deployments[0]!.id))[1]);
        expect(await store.eventsAfter(ids[2]!, 100)).toEqual(feed.slice(3));
        expect(await store.eventsAfter(ids.at(-1)!, 100)).toEqual([]);
      });

      it("pages by limit (clamped to at least 1) and filters by deployment and by target", async () => {
        const { store } = await fresh();
        const a = await store.create(newDeployment());
        const b = await store.create(
          newDeployment({ target: { environment: "Staging", stack: "Shop", service: "Frontend" } }),
        );
        await store.annotate(a.id, "note", "a2");
        await store.annotate(b.id, "note", "b2");
        const all = await store.eventsAfter(0, 100);

        expect(await store.eventsAfter(0, 2)).toEqual(all.slice(0, 2));
        expect(await store.eventsAfter(all[1]!.feedId, 2)).toEqual(all.slice(2, 4));
        expect(await store.eventsAfter(0, 0)).toEqual(all.slice(0, 1));
        expect(await store.eventsAfter(0, Number.NaN)).toEqual(all.slice(0, 1));
        expect(await store.eventsAfter(0, 2.9)).toEqual(all.slice(0, 2));
        expect((await store.eventsAfter(0, 100, { deploymentId: b.id })).map((e) => e.detail)).toEqual([
          "queued",
          "b2",
        ]);
        expect(
          (await store.eventsAfter(all[0]!.feedId, 100, { targetKey: "PRODUCTION/shop/FRONTEND" })).map(
            (e) => e.detail,
          ),
        ).toEqual(["a2"]);
        expect(
          await store.eventsAfter(0, 100, { deploymentId: b.id, targetKey: "staging/shop/frontend" }),
        ).toEqual(all.filter((e) => e.deploymentId === b.id));
        expect(
          await store.eventsAfter(0, 100, { deploymentId: b.id, targetKey: "production/shop/frontend" }),
        ).toEqual([]);
        expect(await store.eventsAfter(0, 100, { deploymentId: "d_missing" })).toEqual([]);
        expect(await store.eventsAfter(0, 100, { targetKey: "nowhere/x/y" })).toEqual([]);
      });

      it("tells commit listeners each committed write's events, after the commit", async () => {
        const { store } = await fresh();
        const told: { events: readonly FeedEvent[]; latest: Promise<number> }[] = [];
        const stop = await store.onCommit((events) => {
          told.push({ events, latest: store.latestFeedId() });
        });

        const created = await store.create(newDeployment());
        const delivered = await store.recordDelivery(deliveryKey(), [
          newDeployment({ tag: "2.0.0" }),
          newDeployment({ tag: "3.0.0" }),
        ]);
        await store.recordDelivery(deliveryKey(), [newDeployment({ tag: "2.0.0" })]);
        await store.transition({ id: created.id, from: "queued", to: "preparing", detail: "go" });
        await expect(
          store.transition({ id: created.id, from: "queued", to: "upgrading", detail: "x" }),
        ).rejects.toBeInstanceOf(StoreConflictError);
        await store.annotate(created.id, "action", "about to POST upgrade");
        await store.claimTokenId("jti-feed", new Date(Date.UTC(2030, 0, 1)).toISOString());
        await store.recordDelivery(deliveryKey({ deliveryId: "nothing" }), []);

        expect(told.map((call) => call.events.map((e) => [e.deploymentId, e.detail]))).toEqual([
          [[created.id, "queued"]],
          [
            [delivered.deployments[0]!.id, "queued"],
            [delivered.deployments[1]!.id, "queued"],
          ],
          [[created.id, "go"]],
          [[created.id, "about to POST upgrade"]],
        ]);
        // Each call sees its own write committed: the feed already ends with its last event.
        for (const call of told) expect(await call.latest).toBe(call.events.at(-1)!.feedId);
        expect(told.flatMap((call) => call.events)).toEqual(await store.eventsAfter(0, 100));

        stop();
        await store.annotate(created.id, "note", "unheard");
        expect(told).toHaveLength(4);
      });

      it("keeps writing and telling the other listeners when one listener throws", async () => {
        const { store } = await fresh();
        const heard: string[] = [];
        await store.onCommit(() => {
          throw new Error("listener bug");
        });
        await store.onCommit((events) => heard.push(...events.map((e) => e.detail)));

        const created = await store.create(newDeployment());
        const moved = await store.transition({
          id: created.id,
          from: "queued",
          to: "preparing",
          detail: "go",
        });

        expect(moved.state).toBe("preparing");
        expect(heard).toEqual(["queued", "go"]);
        expect((await store.get(created.id))?.state).toBe("preparing");
      });
    });

    describe("list", () => {
      it("pages newest first over a few hundred rows with no duplicates or gaps while rows are inserted", async () => {
        const { store, clock } = await fresh();
        const original: string[] = [];
        for (let i = 0; i < 333; i++) {
          if (i % 3 === 0) clock.advance(1);
          original.push((await store.create(newDeployment({ tag: `t${i}` }))).id);
        }
        let inserted = 0;

        const seen = await pageThrough(store, { limit: 37 }, async () => {
          clock.advance(1);
          await store.create(newDeployment({ tag: `late${inserted++}` }));
        });

        expect(seen.map((d) => d.id)).toEqual([...original].reverse());
        expect(inserted).toBe(Math.ceil(333 / 37));
      });

      it("returns no next cursor when the last page is exactly full", async () => {
        const { store } = await fresh();
        for (let i = 0; i < 4; i++) await store.create(newDeployment());

        const first = await store.list({ limit: 2 });
        const second = await store.list({ limit: 2, cursor: first.nextCursor! });

        expect(first.items).toHaveLength(2);
        expect(second.items).toHaveLength(2);
        expect(second.nextCursor).toBeUndefined();
      });

      it("clamps the page size between 1 and 200", async () => {
        const { store } = await fresh();
        for (let i = 0; i < 205; i++) await store.create(newDeployment());

        expect((await store.list({ limit: 0 })).items).toHaveLength(1);
        expect((await store.list({ limit: -3 })).items).toHaveLength(1);
        expect((await store.list({ limit: Number.NaN })).items).toHaveLength(1);
        expect((await store.list({ limit: 1_000 })).items).toHaveLength(200);
        expect((await store.list({ limit: 2.9 })).items).toHaveLength(2);
      });

      it("rejects a cursor it did not produce", async () => {
        const { store } = await fresh();

        await expect(store.list({ limit: 5, cursor: "bm9wZQ" })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.list({ limit: 5, cursor: "!!" })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it("filters by target key case-insensitively", async () => {
        const { store } = await fresh();
        const shop = await store.create(newDeployment());
        await store.create(
          newDeployment({ target: { environment: "production", stack: "blog", service: "web" } }),
        );

        const page = await store.list({ targetKey: "PRODUCTION/Shop/frontend", limit: 10 });

        expect(page.items.map((d) => d.id)).toEqual([shop.id]);
      });

      it("filters by any of several states, newest first, across pages", async () => {
        const { store } = await fresh();
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) ids.push((await store.create(newDeployment())).id);
        for (const [i, id] of ids.entries()) {
          if (i % 3 === 0)
            await move(store, id, "preparing", "upgrading", "verifying", "finishing", "succeeded");
          if (i % 3 === 1) await move(store, id, "preparing", "failed");
        }
        const expected = ids.filter((_, i) => i % 3 !== 2).reverse();

        const seen = await pageThrough(store, { states: ["succeeded", "failed", "succeeded"], limit: 7 });

        expect(seen.map((d) => d.id)).toEqual(expected);
        expect((await store.list({ states: ["queued"], limit: 200 })).items).toHaveLength(10);
        expect((await store.list({ states: [], limit: 200 })).items).toEqual([]);
      });

      it("filters by image name, or by name and tag, with a registry port in the name", async () => {
        const { store } = await fresh();
        const image = "registry.example.com:5000/shop/frontend";
        const one = await store.create(newDeployment({ image, tag: "1.0.0" }));
        const two = await store.create(newDeployment({ image, tag: "2.0.0" }));
        await store.create(newDeployment({ image: "docker.io/library/nginx", tag: "1.0.0" }));

        expect((await store.list({ image, limit: 10 })).items.map((d) => d.id)).toEqual([two.id, one.id]);
        expect((await store.list({ image: `${image}:1.0.0`, limit: 10 })).items.map((d) => d.id)).toEqual([
          one.id,
        ]);
      });

      it("combines filters", async () => {
        const { store } = await fresh();
        const match = await store.create(newDeployment({ tag: "2" }));
        await store.create(newDeployment({ tag: "3" }));
        const other = await store.create(
          newDeployment({ tag: "2", target: { environment: "e", stack: "s", service: "x" } }),
        );
        await move(store, other.id, "skipped");

        const page = await store.list({
          targetKey: match.targetKey,
          image: `${match.image}:2`,
          states: ["queued"],
          limit: 5,
        });

        expect(page.items.map((d) => d.id)).toEqual([match.id]);
      });
    });

    describe("listActive", () => {
      it("returns the non-terminal deployments, oldest first", async () => {
        const { store, clock } = await fresh();
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          clock.advance(i % 2);
          ids.push((await store.create(newDeployment({ tag: `1.0.${i}` }))).id);
        }
        await store.transition({ id: ids[1]!, from: "queued", to: "superseded", detail: "x" });
        await store.transition({ id: ids[3]!, from: "queued", to: "preparing", detail: "x" });

        const active = await store.listActive();

        expect(active.map((d) => d.id)).toEqual([ids[0], ids[2], ids[3], ids[4]]);
      });
    });

    describe("history of a target", () => {
      it("successfulImages: the images a target ran, newest first by finish time, without repeats", async () => {
        const { store, clock } = await fresh();
        const deploy = async (tag: string, previousImage: string, finishedAt: string): Promise<void> => {
          const { id } = await store.create(newDeployment({ image: "shop/frontend", tag }));
          await store.transition({
            id,
            from: "queued",
            to: "preparing",
            detail: "x",
            patch: { previousImage },
          });
          await store.transition({
            id,
            from: "preparing",
            to: "succeeded",
            detail: "x",
            patch: { finishedAt },
          });
        };
        await deploy("3", "shop/frontend:2", "2025-03-01T00:00:00.000Z");
        await deploy("1", "shop/frontend:0", "2025-01-01T00:00:00.000Z");
        await deploy("2", "shop/frontend:hotfix", "2025-02-01T00:00:00.000Z");
        const failed = await store.create(newDeployment({ image: "shop/frontend", tag: "4" }));
        await move(store, failed.id, "preparing", "failed");
        clock.advance(1);

        const images = await store.successfulImages("Production/Shop/Frontend", 10);

        expect(images).toEqual([
          "shop/frontend:3",
          "shop/frontend:2",
          "shop/frontend:hotfix",
          "shop/frontend:1",
          "shop/frontend:0",
        ]);
        expect(await store.successfulImages("production/shop/frontend", 2)).toEqual([
          "shop/frontend:3",
          "shop/frontend:2",
        ]);
        expect(await store.successfulImages("production/shop/frontend", 0)).toEqual([]);
        expect(await store.successfulImages("production/shop/other", 5)).toEqual([]);
      });

      it("latestSucceeded: the newest succeeded primary deployment of a target, ignoring sidekicks and failures", async () => {
        const { store, clock } = await fresh();
        const frontend = { environment: "demo", stack: "shop", service: "frontend" };
        const finish = async (tag: string, to: "succeeded" | "rolled-back", sidekick?: string) => {
          const created = await store.create(
            newDeployment({ target: sidekick === undefined ? frontend : { ...frontend, sidekick }, tag }),
          );
          clock.advance(1_000);
          return store.transition({ id: created.id, from: "queued", to, detail: "done" });
        };
        expect(await store.latestSucceeded("demo/shop/frontend")).toBeUndefined();

        await finish("1.0.0", "succeeded");
        const newest = await finish("1.1.0", "succeeded");
        await finish("bad-1.2.0", "rolled-back");
        await finish("1.27", "succeeded", "nginx");

        expect(await store.latestSucceeded("Demo/Shop/Frontend")).toEqual(newest);
        expect(await store.latestSucceeded("demo/shop/worker")).toBeUndefined();
      });

      it("findByUpgradeVersion: the target's newest deployment whose upgrade created that launch config version", async () => {
        const { store, clock } = await fresh();
        const worker = { environment: "demo", stack: "shop", service: "worker" };
        const upgrade = async (tag: string, version: string, target = worker) => {
          const created = await store.create(newDeployment({ target, tag }));
          clock.advance(1_000);
          return store.transition({
            id: created.id,
            from: "queued",
            to: "upgrading",
            detail: "upgrade accepted",
            patch: { previousVersion: "v-before", upgradeVersion: version },
          });
        };
        expect(await store.findByUpgradeVersion("demo/shop/worker", "v-1")).toBeUndefined();

        const first = await upgrade("1.0.0", "v-1");
        const second = await upgrade("1.1.0", "v-2");
        await upgrade("1.1.0", "v-1", { environment: "prod", stack: "shop", service: "worker" });

        expect(await store.findByUpgradeVersion("demo/shop/worker", "v-1")).toEqual(first);
        expect(await store.findByUpgradeVersion("Demo/Shop/Worker", "v-2")).toMatchObject({
          id: second.id,
          previousVersion: "v-before",
          upgradeVersion: "v-2",
        });
        // The previous version is not one drover's upgrade created.
        expect(await store.findByUpgradeVersion("demo/shop/worker", "v-before")).toBeUndefined();
        expect(await store.findByUpgradeVersion("demo/shop/api", "v-1")).toBeUndefined();
      });

      it("targetKeys: every target with a deployment once, lower-cased, sorted, sidekicks folded in", async () => {
        const { store } = await fresh();
        expect(await store.targetKeys()).toEqual([]);
        const targets = [
          { environment: "prod", stack: "shop", service: "worker" },
          { environment: "demo", stack: "shop", service: "frontend" },
          { environment: "prod", stack: "shop", service: "worker" },
          { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" },
          { environment: "Prod", stack: "Shop", service: "API" },
        ];
        for (const target of targets) await store.create(newDeployment({ target }));

        expect(await store.targetKeys()).toEqual(["demo/shop/frontend", "prod/shop/api", "prod/shop/worker"]);
      });
    });

    describe("claimTokenId", () => {
      it("accepts a token id once and refuses its replay until it expires and is purged", async () => {
        const { store, clock } = await fresh();
        const expiresAt = new Date(clock.now() + 60_000).toISOString();

        const first = await store.claimTokenId("jti-1", expiresAt);
        const replay = await store.claimTokenId("jti-1", expiresAt);
        clock.advance(60_000);
        const afterExpiry = await store.claimTokenId("jti-1", new Date(clock.now() + 60_000).toISOString());

        expect([first, replay, afterExpiry]).toEqual([true, false, true]);
        expect(await store.claimTokenId("jti-2", expiresAt)).toBe(true);
      });

      it("compares expiry as an instant whatever the offset it is written with", async () => {
        const { store, clock } = await fresh();
        await store.claimTokenId("jti-1", "2025-01-01T03:00:00+02:00");

        const replay = await store.claimTokenId("jti-1", "2025-01-01T01:00:00.000Z");
        clock.advance(3_600_000);
        const expired = await store.claimTokenId("jti-1", "2025-01-01T02:00:00.000Z");

        expect(replay).toBe(false);
        expect(expired).toBe(true);
      });

      it("throws RangeError on an expiry that is not a date", async () => {
        const { store } = await fresh();

        await expect(store.claimTokenId("jti-1", "tomorrow")).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe("isHealthy and close", () => {
      it("is healthy while open, unhealthy after close, and close can be called twice", async () => {
        const { store } = await fresh();
        const before = await store.isHealthy();

        await store.close();
        await store.close();

        expect(before).toBe(true);
        expect(await store.isHealthy()).toBe(false);
      });

      it("keeps two stores apart", async () => {
        const { store: first } = await fresh();
        const { store: second } = await fresh();

        await first.create(newDeployment());

        expect((await first.list({ limit: 10 })).items).toHaveLength(1);
        expect((await second.list({ limit: 10 })).items).toHaveLength(0);
      });
    });

    const { reopen } = options;
    if (reopen !== undefined) {
      describe("durability", () => {
        /** Opens a store, and a function that reopens it (the first one is closed by `reopen`). */
        async function reopenable(clock: ManualClock = manualClock()) {
          const raw = await open(clock.now);
          opened.push(raw);
          const again = async (now: () => number): Promise<AwaitedStore> => {
            const next = await reopen!(raw, now);
            opened.push(next);
            return awaited(next);
          };
          return { store: awaited(raw), clock, again };
        }

        it("keeps deployments, events, deliveries and token ids across a reopen", async () => {
          const { store, clock, again } = await reopenable();
          const { deployments } = await store.recordDelivery(deliveryKey({ deliveryId: "evt-7" }), [
            newDeployment(),
          ]);
          const id = deployments[0]!.id;
          await store.transition({
            id,
            from: "queued",
            to: "preparing",
            detail: "x",
            patch: { pendingAction: "upgrade" },
          });
          const expiresAt = new Date(clock.now() + 3_600_000).toISOString();
          await store.claimTokenId("jti-1", expiresAt);

          const reopened = await again(clock.now);

          expect(await reopened.get(id)).toMatchObject({ state: "preparing", pendingAction: "upgrade" });
          expect((await reopened.events(id)).map((e) => e.state)).toEqual(["queued", "preparing"]);
          expect(
            await reopened.recordDelivery(deliveryKey({ deliveryId: "evt-7" }), [newDeployment()]),
          ).toMatchObject({ duplicate: true, deployments: [{ id }] });
          expect(await reopened.claimTokenId("jti-1", expiresAt)).toBe(false);
          expect((await reopened.listActive()).map((d) => d.id)).toEqual([id]);
        });

        it("continues the event feed after a reopen", async () => {
          const { store, clock, again } = await reopenable();
          const created = await store.create(newDeployment());
          await store.annotate(created.id, "note", "before");
          const before = await store.eventsAfter(0, 100);

          const reopened = await again(clock.now);
          await reopened.annotate(created.id, "note", "after");

          expect(await reopened.eventsAfter(0, 100)).toEqual([
            ...before,
            expect.objectContaining({ detail: "after", seq: 3 }),
          ]);
          expect(await reopened.latestFeedId()).toBeGreaterThan(before.at(-1)!.feedId);
        });

        it("creates ids after the stored ones when reopened with a clock that went back", async () => {
          const { store, again } = await reopenable(manualClock(Date.UTC(2030, 0, 1)));
          const before = await store.create(newDeployment());

          const reopened = await again(() => Date.UTC(2020, 0, 1));
          const after = await reopened.create(newDeployment());

          expect(after.id > before.id).toBe(true);
          expect((await reopened.list({ limit: 1 })).items[0]?.id).toBe(after.id);
        });
      });
    }
  });
}
