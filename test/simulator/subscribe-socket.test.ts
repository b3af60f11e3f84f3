import { describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { basic, startSim, upgradeBody, type Json, type SimKit } from "./sim-test-kit.js";

interface Subscription {
  readonly frames: Json[];
  readonly socket: WebSocket;
  /** Resolves with the close code. */
  readonly closed: Promise<number>;
}

async function subscribe(
  kit: SimKit,
  path = "/v2-beta/projects/1a5/subscribe?eventNames=resource.change",
): Promise<Subscription> {
  const socket = new WebSocket(`${kit.sim.url.replace("http", "ws")}${path}`, {
    headers: { authorization: basic(kit.sim.accessKey, kit.sim.secretKey) },
  });
  const frames: Json[] = [];
  socket.on("message", (data: Buffer) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  await vi.waitFor(() => expect(frames.length).toBeGreaterThan(0));
  return { frames, socket, closed };
}

/** Connects expecting a refusal; resolves with the HTTP status. */
function refused(kit: SimKit, path: string, auth?: string): Promise<number> {
  const socket = new WebSocket(
    `${kit.sim.url.replace("http", "ws")}${path}`,
    auth === undefined ? {} : { headers: { authorization: auth } },
  );
  return new Promise((resolve) => {
    socket.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on("error", () => undefined);
  });
}

const changes = (frames: readonly Json[], resourceId: string): Json[] =>
  frames
    .filter((f) => f.name === "resource.change" && f.resourceId === resourceId)
    .map((f) => f.data.resource);

/** Consecutive duplicates collapsed. */
const steps = (values: readonly string[]): string[] => values.filter((v, i) => v !== values[i - 1]);

describe("subscribe websocket (docs/rancher-api.md §6)", () => {
  it("sends a ping at once and every 5 s of simulated time, as a full EventVO", async () => {
    const kit = await startSim();
    const sub = await subscribe(kit);

    await kit.sim.control.clock.advance(5_000);
    await vi.waitFor(() => expect(sub.frames).toHaveLength(2));
    await kit.sim.control.clock.advance(4_999);

    expect(sub.frames.map((f) => f.name)).toEqual(["ping", "ping"]);
    expect(sub.frames[0]).toMatchObject({
      name: "ping",
      data: { options: {}, resources: [] },
      resourceType: null,
      previousIds: null,
      publisher: null,
      context: null,
    });
    expect(Object.keys(sub.frames[0])).toHaveLength(17);
    expect(sub.frames[1].time - sub.frames[0].time).toBe(5_000);
  });

  it("sends resource.change with the full service (current actions) on every state change", async () => {
    const kit = await startSim();
    const sub = await subscribe(kit);

    await kit.action("1s2", "deactivate");
    await kit.until("1s2", (s) => s.state === "inactive");
    await vi.waitFor(() => expect(changes(sub.frames, "1s2").at(-1)?.state).toBe("inactive"));
    const service = changes(sub.frames, "1s2");
    const frame = sub.frames.find((f) => f.resourceId === "1s2");

    expect(frame).toMatchObject({ name: "resource.change", resourceType: "service", resourceId: "1s2" });
    expect(steps(service.map((s) => s.state))).toEqual(["deactivating", "inactive"]);
    expect(Object.keys(service[0].actions)).toEqual([
      "remove",
      "addservicelink",
      "removeservicelink",
      "setservicelinks",
    ]);
    expect(service.at(-1)?.actions.activate).toBe(
      `${kit.sim.url}/v2-beta/projects/1a5/services/1s2/?action=activate`,
    );
    expect(steps(changes(sub.frames, "1i5").map((c) => c.state))).toEqual(["stopping", "stopped"]);
  });

  it("shows a new container's whole walk: requested → creating → stopped → starting → running, initializing → healthy", async () => {
    const kit = await startSim();
    const sub = await subscribe(kit);

    await kit.action(
      "1s1",
      "upgrade",
      upgradeBody(await kit.service("1s1"), "registry.example.com/shop/frontend:1.1.0"),
    );
    await kit.until("1s1", (s) => s.state === "upgraded");
    await vi.waitFor(() => expect(changes(sub.frames, "1s1").at(-1)?.state).toBe("upgraded"));
    const walk = changes(sub.frames, "1i6").map((c) => `${String(c.state)}/${String(c.healthState)}`);

    expect(steps(walk)).toEqual([
      "requested/null",
      "creating/null",
      "stopped/null",
      "starting/null",
      "running/initializing",
      "running/healthy",
    ]);
    expect(steps(changes(sub.frames, "1s1").map((s) => s.healthState))).toEqual(
      expect.arrayContaining(["degraded", "initializing", "healthy"]),
    );
    expect(changes(sub.frames, "1s1").some((s) => s.transitioning === "yes" && s.upgrade !== null)).toBe(
      true,
    );
  });

  it("renders /v1 subscriptions with v1 types and ids", async () => {
    const kit = await startSim();
    const sub = await subscribe(kit, "/v1/projects/1a5/subscribe?eventNames=resource.change");

    await kit.action("1s2", "deactivate");
    await kit.until("1s2", (s) => s.state === "inactive");
    await vi.waitFor(() => expect(sub.frames.some((f) => f.resourceType === "environment")).toBe(true));
    const stack = sub.frames.find((f) => f.resourceType === "environment");
    const service = changes(sub.frames, "1s2")[0];

    expect(stack).toMatchObject({
      resourceId: "1e1",
      data: { resource: { type: "environment", id: "1e1" } },
    });
    expect(service).toMatchObject({ environmentId: "1e1" });
    expect(service.links.self).toBe(`${kit.sim.url}/v1/projects/1a5/services/1s2`);
  });

  it("refuses 401 without credentials, 403 for a foreign project, 404 elsewhere", async () => {
    const kit = await startSim();
    const auth = basic(kit.sim.accessKey, kit.sim.secretKey);

    const statuses = await Promise.all([
      refused(kit, "/v2-beta/projects/1a5/subscribe"),
      refused(kit, "/v2-beta/projects/1a7/subscribe", auth),
      refused(kit, "/v2-beta/projects/1a5/nothing", auth),
    ]);

    expect(statuses).toEqual([401, 403, 404]);
  });

  it("accepts /v2-beta/subscribe for an environment key and only sends the events asked for", async () => {
    const kit = await startSim();
    const sub = await subscribe(kit, "/v2-beta/subscribe?eventNames=service.kubernetes.change");

    await kit.action("1s2", "deactivate");
    await kit.until("1s2", (s) => s.state === "inactive");
    await kit.sim.control.clock.advance(5_000);
    await vi.waitFor(() => expect(sub.frames).toHaveLength(2));

    expect(sub.frames.map((f) => f.name)).toEqual(["ping", "ping"]);
  });

  it("closes subscriptions on request and after the maximum number of pings", async () => {
    const kit = await startSim({ maxPings: 2 });
    const first = await subscribe(kit);
    const second = await subscribe(kit);

    const count = kit.sim.control.disconnectSubscribers({ logout: true });
    const code = await first.closed;
    const third = await subscribe(kit);
    await kit.sim.control.clock.advance(10_000);
    const maxed = await third.closed;

    expect(count).toBe(2);
    expect(code).toBe(1001);
    expect(first.frames.map((f) => f.name)).toEqual(["ping", "logout"]);
    expect(await second.closed).toBe(1001);
    expect(maxed).toBe(1000);
    expect(third.frames.map((f) => f.name)).toEqual(["ping", "ping"]);
    expect(kit.sim.control.subscriberCount()).toBe(0);
  });
});
