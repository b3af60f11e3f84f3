import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Deployment, DeploySettings } from "../../src/domain/index.js";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const FRONTEND = "registry.example.com/shop/frontend";
const WORKER = "registry.example.com/shop/worker";

let harness: ManualHarness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A local HTTP endpoint for the probe; `answer(n)` gives status and body of the n-th request (1-based). */
async function probeTarget(
  answer: (n: number) => { status: number; body: string },
): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((_request, response) => {
    hits += 1;
    const { status, body } = answer(hits);
    response.writeHead(status, { "content-type": "text/plain" }).end(body);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${String(port)}/healthz`, hits: () => hits };
}

function probeSettings(url: string, extra: { bodyContains?: string } = {}): Partial<DeploySettings> {
  return {
    verify: { soakMs: 3_000, timeoutMs: 8_000, http: { url, expectStatus: 200, timeoutMs: 2_000, ...extra } },
  };
}

const notes = (h: ManualHarness, d: Deployment | undefined): string[] =>
  h.store.events(d?.id ?? "").map((event) => event.detail);

function workerImage(h: ManualHarness): unknown {
  return (h.service("shop", "worker") as { launchConfig: { imageUuid: string } }).launchConfig.imageUuid;
}

describe("verify: onFailure and the HTTP probe", () => {
  it("onFailure: leave ends failed and leaves the service upgraded, without a rollback", async () => {
    harness = await createManualHarness();
    const h = harness;

    const [done] = await h.settle([
      h.submit(
        FRONTEND,
        "flaky-2.0.0",
        {},
        {
          onFailure: "leave",
          strategy: { batchSize: 2, intervalMillis: 100, startFirst: false },
        },
      ).id,
    ]);

    expect(done?.state).toBe("failed");
    expect(done?.error?.code).toBe("ERR_UNHEALTHY");
    expect(notes(h, done).at(-1)).toMatch(/left in place \(onFailure: leave\)$/);
    const service = h.service("shop", "frontend") as { state: string; launchConfig: { imageUuid: string } };
    expect(service.state).toBe("upgraded");
    expect(service.launchConfig.imageUuid).toBe(`docker:${FRONTEND}:flaky-2.0.0`);
    expect(
      h.sim.control
        .requests()
        .filter((request) => request.method === "POST")
        .map((request) => request.query["action"]),
    ).toEqual(["upgrade"]);
  });

  it("passes with the probe answering 200 and the expected text", async () => {
    harness = await createManualHarness();
    const h = harness;
    const probe = await probeTarget(() => ({ status: 200, body: "status: ok" }));

    const [done] = await h.settle([
      h.submit(WORKER, "2.0.0", { service: "worker" }, probeSettings(probe.url, { bodyContains: "ok" })).id,
    ]);

    expect(done?.state).toBe("succeeded");
    expect(probe.hits()).toBeGreaterThanOrEqual(3);
    expect(workerImage(h)).toBe(`docker:${WORKER}:2.0.0`);
  });

  it("rolls back when the probe keeps answering 500", async () => {
    harness = await createManualHarness();
    const h = harness;
    const probe = await probeTarget(() => ({ status: 500, body: "boom" }));

    const [done] = await h.settle([
      h.submit(WORKER, "2.0.0", { service: "worker" }, probeSettings(probe.url)).id,
    ]);

    expect(done?.state).toBe("rolled-back");
    expect(done?.error?.code).toBe("ERR_VERIFY_TIMEOUT");
    expect(
      notes(h, done).filter((d) => d === `http probe: ${probe.url} answered 500, expected 200`),
    ).toHaveLength(1);
    expect(probe.hits()).toBeGreaterThan(5);
    expect(workerImage(h)).toBe(`docker:${WORKER}:1.0.0`);
  });

  it("rolls back when the body lacks the expected text", async () => {
    harness = await createManualHarness();
    const h = harness;
    const probe = await probeTarget(() => ({ status: 200, body: "status: degraded" }));

    const [done] = await h.settle([
      h.submit(
        WORKER,
        "2.0.0",
        { service: "worker" },
        probeSettings(probe.url, { bodyContains: "status: ok" }),
      ).id,
    ]);

    expect(done?.state).toBe("rolled-back");
    expect(done?.error?.code).toBe("ERR_VERIFY_TIMEOUT");
    expect(notes(h, done)).toContain(`http probe: ${probe.url} body lacks the expected text`);
    expect(workerImage(h)).toBe(`docker:${WORKER}:1.0.0`);
  });

  it("rides out a Rancher outage while verifying (reads fail past the retry policy) and still succeeds", async () => {
    harness = await createManualHarness();
    const h = harness;
    // Longer than one GET's whole retry budget (6 attempts): the verify loop itself must wait it out.
    h.engine.onTransition((deployment) => {
      if (deployment.state === "verifying") h.sim.control.faults.failNext(9, { status: 503 });
    });

    const [done] = await h.settle([h.submit(WORKER, "2.0.0", { service: "worker" }).id]);

    expect(done?.state).toBe("succeeded");
    expect(notes(h, done).some((detail) => detail.startsWith("Rancher unavailable while verifying"))).toBe(
      true,
    );
    expect(h.sim.control.requests().filter((r) => r.status === 503)).toHaveLength(9);
    expect(workerImage(h)).toBe(`docker:${WORKER}:2.0.0`);
  });

  it("counts the soak from the first passing probe", async () => {
    harness = await createManualHarness();
    const h = harness;
    const probe = await probeTarget((n) =>
      n <= 2 ? { status: 503, body: "" } : { status: 200, body: "ok" },
    );

    const [done] = await h.settle([
      h.submit(WORKER, "2.0.0", { service: "worker" }, probeSettings(probe.url)).id,
    ]);

    expect(done?.state).toBe("succeeded");
    const events = h.store.events(done?.id ?? "");
    const verifying = Date.parse(events.find((e) => e.state === "verifying")?.at ?? "");
    const finishing = Date.parse(events.find((e) => e.state === "finishing")?.at ?? "");
    // Two failed probes one second apart, then a full 3 s soak of passing ones.
    expect(finishing - verifying).toBeGreaterThanOrEqual(2_000 + 3_000);
    // The same failure twice is noted once (notes record changes, not every probe).
    expect(events.filter((e) => e.detail.startsWith("http probe:"))).toHaveLength(1);
  });
});
