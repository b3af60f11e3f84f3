import { describe, expect, it } from "vitest";
import { deliveryKey, memoryStore, newDeployment } from "./store-fixtures.js";

describe("SqliteDeploymentStore", () => {
  describe("recordDelivery", () => {
    it("creates every deployment of a new delivery, queued, with a queued event each", () => {
      const { store } = memoryStore();
      const targets = ["frontend", "frontend-worker"].map((service) =>
        newDeployment({ target: { environment: "production", stack: "shop", service } }),
      );

      const result = store.recordDelivery(deliveryKey(), targets);

      expect(result.duplicate).toBe(false);
      expect(result.deployments.map((d) => [d.target.service, d.state])).toEqual([
        ["frontend", "queued"],
        ["frontend-worker", "queued"],
      ]);
      for (const deployment of result.deployments) {
        expect(store.events(deployment.id).map((e) => [e.kind, e.detail])).toEqual([
          ["transition", "queued"],
        ]);
      }
    });

    it("returns the original deployments, in their current state, for the same delivery id much later", () => {
      const { store, clock } = memoryStore();
      const first = store.recordDelivery(deliveryKey({ deliveryId: "evt-1" }), [
        newDeployment(),
        newDeployment(),
      ]);
      const [a] = first.deployments;
      store.transition({ id: a!.id, from: "queued", to: "preparing", detail: "x" });
      clock.advance(365 * 24 * 3600_000);

      const again = store.recordDelivery(deliveryKey({ deliveryId: "evt-1", fingerprint: "other" }), [
        newDeployment({ tag: "ignored" }),
      ]);

      expect(again.duplicate).toBe(true);
      expect(again.deployments.map((d) => d.id)).toEqual(first.deployments.map((d) => d.id));
      expect(again.deployments[0]?.state).toBe("preparing");
      expect(store.list({ limit: 200 }).items).toHaveLength(2);
    });

    it("treats the same delivery id from another source as a new delivery", () => {
      const { store } = memoryStore();
      store.recordDelivery(deliveryKey({ source: "registry", deliveryId: "1" }), [newDeployment()]);

      const other = store.recordDelivery(deliveryKey({ source: "harbor", deliveryId: "1" }), [
        newDeployment(),
      ]);

      expect(other.duplicate).toBe(false);
      expect(other.deployments).toHaveLength(1);
    });

    it("creates a second deployment for a new delivery id even when the fingerprint matches", () => {
      const { store } = memoryStore();
      store.recordDelivery(deliveryKey({ deliveryId: "evt-1" }), [newDeployment()]);

      const second = store.recordDelivery(deliveryKey({ deliveryId: "evt-2" }), [newDeployment()]);

      expect(second.duplicate).toBe(false);
      expect(store.list({ limit: 10 }).items).toHaveLength(2);
    });

    it("dedupes a delivery without id by fingerprint within the window", () => {
      const { store, clock } = memoryStore();
      const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 60_000 });
      const first = store.recordDelivery(noId, [newDeployment()]);
      clock.advance(59_999);

      const again = store.recordDelivery(noId, [newDeployment()]);

      expect(again).toEqual({ duplicate: true, deployments: first.deployments });
    });

    it("creates a new deployment when the same fingerprint arrives after the window", () => {
      const { store, clock } = memoryStore();
      const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 60_000 });
      const first = store.recordDelivery(noId, [newDeployment()]);
      clock.advance(60_000);

      const later = store.recordDelivery(noId, [newDeployment()]);

      expect(later.duplicate).toBe(false);
      expect(later.deployments[0]?.id).not.toBe(first.deployments[0]?.id);
    });

    it("measures the window from the first delivery, not from the duplicates", () => {
      const { store, clock } = memoryStore();
      const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 1_000 });
      store.recordDelivery(noId, [newDeployment()]);
      clock.advance(900);
      store.recordDelivery(noId, [newDeployment()]);
      clock.advance(200);

      const third = store.recordDelivery(noId, [newDeployment()]);

      expect(third.duplicate).toBe(false);
    });

    it("matches a delivery without id against an earlier one with an id and the same fingerprint", () => {
      const { store, clock } = memoryStore();
      const first = store.recordDelivery(deliveryKey({ deliveryId: "evt-1" }), [newDeployment()]);
      clock.advance(10);

      const retry = store.recordDelivery(deliveryKey({ deliveryId: "" }), [newDeployment()]);

      expect(retry).toEqual({ duplicate: true, deployments: first.deployments });
    });

    it("does not dedupe by fingerprint when the window is zero", () => {
      const { store } = memoryStore();
      const { deliveryId: _omit, ...noId } = deliveryKey({ windowMs: 0 });
      store.recordDelivery(noId, [newDeployment()]);

      expect(store.recordDelivery(noId, [newDeployment()]).duplicate).toBe(false);
    });

    it("remembers a delivery that created no deployments and answers its duplicate with []", () => {
      const { store } = memoryStore();
      const first = store.recordDelivery(deliveryKey({ deliveryId: "blob-push" }), []);

      const again = store.recordDelivery(deliveryKey({ deliveryId: "blob-push" }), [newDeployment()]);

      expect(first).toEqual({ duplicate: false, deployments: [] });
      expect(again).toEqual({ duplicate: true, deployments: [] });
      expect(store.list({ limit: 10 }).items).toEqual([]);
    });

    it("records nothing when one of the deployments cannot be written", () => {
      const { store } = memoryStore();
      const broken = newDeployment({ settings: { toJSON: () => undefined } as never });

      expect(() => store.recordDelivery(deliveryKey(), [newDeployment(), broken])).toThrow();
      const retried = store.recordDelivery(deliveryKey(), [newDeployment()]);

      expect(retried.duplicate).toBe(false);
      expect(store.list({ limit: 10 }).items).toHaveLength(1);
    });
  });
});
