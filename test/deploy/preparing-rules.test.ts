import { afterEach, describe, expect, it } from "vitest";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const WORKER = "registry.example.com/shop/worker";

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function api(
  h: ManualHarness,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const authorization = `Basic ${Buffer.from(`${h.sim.accessKey}:${h.sim.secretKey}`).toString("base64")}`;
  const response = await fetch(`${h.sim.url}/v2-beta/projects/1a5${path}`, {
    method,
    headers: { authorization, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

function posts(h: ManualHarness): unknown[] {
  return h.sim.control
    .requests()
    .filter((request) => request.method === "POST")
    .map((request) => request.query["action"] ?? request.path);
}

describe("preparing", () => {
  it("waits out a transition (restarting) before upgrading", async () => {
    harness = await createManualHarness();
    const h = harness;
    const id = h.sim.control.serviceId("shop", "worker");
    await api(h, "POST", `/services/${id}/?action=restart`, {
      rollingRestartStrategy: { batchSize: 1, intervalMillis: 2000 },
    });
    expect(h.sim.control.service(id)["state"]).toBe("restarting");

    const [done] = await h.settle([h.submit(WORKER, "2.0.0", { service: "worker" }).id]);

    expect(done?.state).toBe("succeeded");
    expect(h.store.events(done?.id ?? "").map((e) => e.detail)).toContain(
      "service is restarting; waiting for it to settle",
    );
    expect(posts(h).slice(-2)).toEqual(["upgrade", "finishupgrade"]);
  });

  it("follows a service that was removed and recreated under the same name", async () => {
    harness = await createManualHarness();
    const h = harness;
    const [first] = await h.settle([h.submit(WORKER, "2.0.0", { service: "worker" }).id]);
    expect(first?.state).toBe("succeeded");
    const oldId = h.sim.control.serviceId("shop", "worker");
    const stackId = h.sim.control.service(oldId)["stackId"];
    await api(h, "POST", `/services/${oldId}/?action=remove`);
    await h.sim.control.clock.advanceUntil(() => h.sim.control.service(oldId)["state"] === "removed");
    const created = await api(h, "POST", "/services", {
      name: "worker",
      stackId,
      scale: 1,
      startOnCreate: true,
      launchConfig: { imageUuid: `docker:${WORKER}:2.0.0` },
    });
    await h.sim.control.clock.advanceUntil(
      () => h.sim.control.service(String(created["id"]))["state"] === "active",
    );

    const [second] = await h.settle([h.submit(WORKER, "3.0.0", { service: "worker" }).id]);

    expect(second?.state).toBe("succeeded");
    expect(second?.serviceId).toBe(created["id"]);
    const service = h.sim.control.service(String(created["id"])) as {
      state: string;
      launchConfig: { imageUuid: string };
    };
    expect(service.state).toBe("active");
    expect(service.launchConfig.imageUuid).toBe(`docker:${WORKER}:3.0.0`);
  });

  it("fails without touching anything when the service does not exist", async () => {
    harness = await createManualHarness();
    const h = harness;

    const [done] = await h.settle([h.submit(WORKER, "2.0.0", { service: "nope" }).id]);

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_RANCHER_NOT_FOUND");
    expect(done?.error?.message).toMatch(/service "nope" not found in stack "shop"/);
    expect(posts(h)).toEqual([]);
  });
});
