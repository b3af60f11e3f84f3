import { afterEach, describe, expect, it } from "vitest";
import { connectEnvironment, describeEnvironment, type SimulatorStarter } from "../../src/backend/index.js";
import { RancherClient, RancherNotFoundError, ResourceEvents } from "../../src/rancher/index.js";
import { createRancherSimulator, type RancherSimulator } from "../../src/simulator/index.js";
import { captureLogs } from "../helpers/capture-logs.js";

const started: RancherSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

/** Starts real simulators on the manual clock, counting how often each is closed. */
function starter() {
  const closes: number[] = [];
  const seeds: string[] = [];
  const start: SimulatorStarter = async (seed, timeScale) => {
    seeds.push(`${seed}@${timeScale}`);
    const sim = await createRancherSimulator({ clock: "manual" });
    started.push(sim);
    const index = closes.push(0) - 1;
    return {
      ...sim,
      close: async () => {
        closes[index] = (closes[index] ?? 0) + 1;
        await sim.close();
      },
    };
  };
  return { start, closes, seeds };
}

describe("connectEnvironment", () => {
  it("starts a simulator for a simulator: environment and gives a Rancher backend on it", async () => {
    const { start, closes, seeds } = starter();

    const connection = await connectEnvironment(
      "demo",
      { simulator: "default", timeScale: 0.5 },
      { logger: captureLogs().logger, startSimulator: start },
    );
    const ref = await connection.client.resolveService("shop", "frontend");
    const service = await connection.client.getService(ref);

    expect(seeds).toEqual(["default@0.5"]);
    expect(connection.environment).toBe("demo");
    expect(connection.client).toBeInstanceOf(RancherClient);
    expect(connection.client.environment).toBe("demo");
    expect(service.state).toBe("active");
    await connection.close();
    expect(closes).toEqual([1]);
  });

  it("opens the change feed once and closes it with the connection", async () => {
    const { start } = starter();
    const connection = await connectEnvironment(
      "demo",
      { simulator: "default", timeScale: 1 },
      { logger: captureLogs().logger, startSimulator: start },
    );

    const first = await connection.openChangeFeed();
    const second = await connection.openChangeFeed();
    const seen: unknown[] = [];
    first.subscribe((change) => seen.push(change));
    await new Promise<void>((resolve) => {
      const stop = first.subscribe(() => {
        stop();
        resolve();
      });
    });

    expect(second).toBe(first);
    expect(first).toBeInstanceOf(ResourceEvents);
    expect(first.connected).toBe(true);
    expect(seen).toContain("resync");
    await connection.close();
    expect(first.connected).toBe(false);
    await expect(connection.openChangeFeed()).rejects.toThrow(
      'the connection to environment "demo" is closed',
    );
  });

  it("connects a url: environment to that server and project; no change feed while the project does not resolve", async () => {
    const sim = await createRancherSimulator({ clock: "manual" });
    started.push(sim);
    const logger = captureLogs().logger;
    const settings = {
      url: `${sim.url}/v1`,
      accessKey: sim.accessKey,
      secretKey: sim.secretKey,
      requestTimeout: 5_000,
    };

    const wrong = await connectEnvironment("prod", { ...settings, project: "No Such Project" }, { logger });
    const right = await connectEnvironment("prod", { ...settings, project: sim.projectId }, { logger });

    await expect(wrong.openChangeFeed()).rejects.toBeInstanceOf(RancherNotFoundError);
    await expect(wrong.openChangeFeed()).rejects.toBeInstanceOf(RancherNotFoundError);
    await expect(right.client.resolveProjectId()).resolves.toBe(sim.projectId);
    await wrong.close();
    await right.close();
  });

  it("refuses a simulator: environment when no simulator starter is given", async () => {
    await expect(
      connectEnvironment("demo", { simulator: "default", timeScale: 1 }, { logger: captureLogs().logger }),
    ).rejects.toThrow("simulator environments are not available here");
  });

  it("describes where an environment is without its credentials", () => {
    expect(describeEnvironment({ simulator: "seed.yml", timeScale: 1 })).toBe('simulator "seed.yml"');
    expect(
      describeEnvironment({
        url: "https://user:pass@rancher.example.com/v2-beta?token=x",
        project: "Default",
        accessKey: "ak",
        secretKey: "sk",
        requestTimeout: 1_000,
      }),
    ).not.toMatch(/pass|token=x/);
  });
});
