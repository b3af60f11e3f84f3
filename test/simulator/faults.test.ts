import { describe, expect, it, vi } from "vitest";
import { createRancherSimulator, SimulatorError } from "../../src/simulator/index.js";
import { startSim } from "./sim-test-kit.js";

describe("fault injection", () => {
  it("answers 500/503 at the configured rate, with Cattle's plain error body and no effect", async () => {
    const kit = await startSim({ faults: { errorRate: 1 } });

    const replies = await Promise.all(Array.from({ length: 20 }, () => kit.action("1s2", "deactivate")));
    kit.sim.control.faults.reset();
    const after = await kit.service("1s2");

    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([500, 503]));
    expect(replies.find((r) => r.status === 503)?.body).toMatchObject({
      code: "Service Unavailable",
      message: "Service Unavailable",
    });
    expect(replies.find((r) => r.status === 500)?.body).toMatchObject({
      code: "Internal Server Error",
      type: "error",
    });
    expect(after.state).toBe("active");
  });

  it("injects a share of errors close to the rate, the same ones for the same fault seed", async () => {
    const run = async (): Promise<number[]> => {
      const kit = await startSim({ faults: { errorRate: 0.3, errorStatuses: [503] }, faultSeed: 7 });
      const statuses: number[] = [];
      for (let i = 0; i < 100; i += 1)
        statuses.push((await kit.get("/v2-beta/projects/1a5/services/1s1")).status);
      return statuses;
    };

    const first = await run();
    const second = await run();
    const failures = first.filter((s) => s === 503).length;

    expect(first).toEqual(second);
    expect(failures).toBeGreaterThan(15);
    expect(failures).toBeLessThan(45);
  });

  it("resets connections and waits out the latency before answering", async () => {
    const delays: { readonly ms: number; readonly release: () => void }[] = [];
    const kit = await startSim({
      latencyDelay: (ms) =>
        new Promise((resolve) => {
          delays.push({ ms, release: resolve });
        }),
    });
    kit.sim.control.faults.failNext(1, "reset");

    const reset = kit.get("/v2-beta/projects/1a5/services");
    await expect(reset).rejects.toThrow();
    kit.sim.control.faults.set({ latencyMs: 60 });
    const slow = kit.get("/v2-beta/projects/1a5/services");
    await vi.waitFor(() => expect(delays).toHaveLength(1), { timeout: 5_000, interval: 5 });
    const beforeRelease = kit.sim.control.requests().map((r) => r.status);
    delays[0]?.release();

    expect(delays.map((d) => d.ms)).toEqual([60]);
    expect(beforeRelease).toEqual(["reset"]);
    expect((await slow).status).toBe(200);
    expect(kit.sim.control.requests().map((r) => r.status)).toEqual(["reset", 200]);
  });

  it("scripts the next failures exactly: statuses, then normal service again", async () => {
    const kit = await startSim();
    kit.sim.control.faults.failNext(2, { status: 503 });

    const statuses = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await kit.get("/v2-beta/projects/1a5/services/1s1")).status);

    expect(statuses).toEqual([503, 503, 200]);
  });

  it("answers 409 on accepted actions at the conflict rate, leaving the state alone", async () => {
    const kit = await startSim({ faults: { conflictRate: 1 } });

    const action = await kit.action("1s2", "deactivate");
    const read = await kit.service("1s2");
    const invalid = await kit.action("1s2", "finishupgrade");

    expect(action.body).toMatchObject({ status: 409, code: "Conflict" });
    expect(read.state).toBe("active");
    expect(invalid.body.code).toBe("ActionNotAvailable");
  });

  it("rejects fault settings out of range", async () => {
    const kit = await startSim();

    expect(() => kit.sim.control.faults.set({ errorRate: 2 })).toThrow(SimulatorError);
    expect(() => kit.sim.control.faults.set({ latencyMs: -1 })).toThrow(SimulatorError);
    expect(() => kit.sim.control.faults.set({ errorStatuses: [404] })).toThrow(SimulatorError);
    await expect(createRancherSimulator({ faults: { resetRate: -0.1 } })).rejects.toThrow(SimulatorError);
  });
});

describe("request log", () => {
  it("records method, path, query, parsed body and status of every API request", async () => {
    const kit = await startSim();

    await kit.get("/v2-beta/projects/1a5/services?name=worker&name=frontend");
    await kit.post("/v2-beta/projects/1a5/services/1s2/?action=restart", {
      rollingRestartStrategy: { batchSize: 1 },
    });
    await kit.get("/v2-beta/projects/1a5/services", { auth: false });
    await kit.request("POST", "/v2-beta/projects/1a5/services/1s1/?action=upgrade", { raw: "not json" });
    const log = kit.sim.control.requests();
    kit.sim.control.clearRequests();

    expect(log).toEqual([
      {
        method: "GET",
        path: "/v2-beta/projects/1a5/services",
        query: { name: ["worker", "frontend"] },
        body: undefined,
        status: 200,
        at: expect.any(Number),
      },
      {
        method: "POST",
        path: "/v2-beta/projects/1a5/services/1s2/",
        query: { action: "restart" },
        body: { rollingRestartStrategy: { batchSize: 1 } },
        status: 202,
        at: expect.any(Number),
      },
      {
        method: "GET",
        path: "/v2-beta/projects/1a5/services",
        query: {},
        body: undefined,
        status: 401,
        at: expect.any(Number),
      },
      {
        method: "POST",
        path: "/v2-beta/projects/1a5/services/1s1/",
        query: { action: "upgrade" },
        body: "not json",
        status: 400,
        at: expect.any(Number),
      },
    ]);
    expect(kit.sim.control.requests()).toEqual([]);
  });
});
