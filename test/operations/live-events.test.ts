import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createLiveEvents, type LiveEvent } from "../../src/operations/index.js";
import { openStore, type DeploymentStore } from "../../src/store/index.js";
import { newDeployment } from "../store/store-fixtures.js";

function sources() {
  const emitter = new EventEmitter();
  return {
    emitter,
    targets: {
      onChange: (listener: (targetKey: string, view: unknown) => void) => {
        emitter.on("target", listener);
        return () => emitter.off("target", listener);
      },
    },
    config: {
      subscribe: (listener: () => void) => {
        emitter.on("config", listener);
        return () => emitter.off("config", listener);
      },
      status: () => ({ reloads: 3, hash: "abc", loadedAt: "2026-01-01T00:00:00.000Z" }),
    },
  };
}

describe("createLiveEvents", () => {
  it("keeps telling the other subscribers when one throws, and reports it", () => {
    const store = openStore({ path: ":memory:" });
    const errors: unknown[] = [];
    const hub = createLiveEvents({ store, onError: (error) => errors.push(error) });
    const heard: LiveEvent[] = [];
    hub.subscribe({}, () => {
      throw new Error("subscriber bug");
    });
    hub.subscribe({}, (event) => heard.push(event));

    const created = store.create(newDeployment());

    expect(heard).toEqual([
      {
        type: "deployment",
        change: "created",
        event: expect.objectContaining({ seq: 1 }),
        deployment: created,
      },
    ]);
    expect(errors).toEqual([new Error("subscriber bug")]);
    store.close();
  });

  it("tells every subscriber to reset when a committed event's deployment cannot be read", () => {
    const store = openStore({ path: ":memory:" });
    let readable = true;
    const flaky: DeploymentStore = Object.assign(Object.create(store) as DeploymentStore, {
      get: (id: string) => {
        if (!readable) throw new Error("disk gone");
        return store.get(id);
      },
      onCommit: store.onCommit.bind(store),
      eventsAfter: store.eventsAfter.bind(store),
    });
    const hub = createLiveEvents({ store: flaky });
    const heard: LiveEvent[] = [];
    hub.subscribe({ deploymentId: "d_other" }, (event) => heard.push(event));

    readable = false;
    store.create(newDeployment());

    expect(heard).toEqual([{ type: "reset" }]);
    store.close();
  });

  it("sends target changes to matching subscribers and config swaps to unfiltered ones; close detaches", () => {
    const store = openStore({ path: ":memory:" });
    const { emitter, targets, config } = sources();
    const hub = createLiveEvents({ store, targets, config, presentTarget: (key, view) => ({ key, view }) });
    const all: LiveEvent[] = [];
    const one: LiveEvent[] = [];
    hub.subscribe({}, (event) => all.push(event));
    hub.subscribe({ targetKey: "Demo/Shop/Web" }, (event) => one.push(event));

    emitter.emit("target", "demo/shop/web", { status: "unknown" });
    emitter.emit("target", "demo/shop/db", { status: "unknown" });
    emitter.emit("config");
    hub.close();
    emitter.emit("config");
    store.create(newDeployment());

    expect(all).toEqual([
      {
        type: "target",
        targetKey: "demo/shop/web",
        target: { key: "demo/shop/web", view: { status: "unknown" } },
      },
      {
        type: "target",
        targetKey: "demo/shop/db",
        target: { key: "demo/shop/db", view: { status: "unknown" } },
      },
      { type: "config", reloads: 3, hash: "abc", at: "2026-01-01T00:00:00.000Z" },
    ]);
    expect(one.map((event) => event.type)).toEqual(["target"]);
    expect(emitter.listenerCount("target") + emitter.listenerCount("config")).toBe(0);
    expect(hub.subscribers()).toBe(0);
    store.close();
  });
});
