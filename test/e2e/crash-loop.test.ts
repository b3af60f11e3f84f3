/**
 * A crash-looping image on a service without a health check (the demo's `worker`): Rancher keeps
 * restarting the container and the service sits in `upgraded`, so only the container's restarts
 * show the failure. The whole app on the demo config (config/drover.yml), a registry webhook over
 * HTTP, the in-process simulator on its manual clock and drover on the same virtual time.
 */
import { readFileSync } from "node:fs";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { isTerminal, type Deployment } from "../../src/domain/index.js";
import { createRancherSimulator, type RancherSimulator } from "../../src/simulator/index.js";
import { VirtualTime } from "../deploy/virtual-time.js";
import { createTestApp } from "../helpers/test-app.js";

const DEMO_CONFIG = readFileSync(new URL("../../config/drover.yml", import.meta.url), "utf8");
const DEMO_BEARER = "drover-demo-registry-token";
const capture = JSON.parse(
  readFileSync(
    new URL("../fixtures/payloads/registry/distribution-2.8.2-manifest-push-tag.json", import.meta.url),
    "utf8",
  ),
) as { headers: Record<string, string>; body: { events: Record<string, Record<string, unknown>>[] } };

/** The captured registry notification, re-addressed to `localhost:5000/shop/worker:<tag>`. */
function workerPush(tag: string): unknown {
  const [event] = capture.body.events;
  return {
    events: [
      {
        ...event,
        target: {
          ...event!["target"],
          repository: "shop/worker",
          tag,
          url: "http://localhost:5000/v2/shop/worker",
        },
        request: { ...event!["request"], host: "localhost:5000" },
      },
    ],
  };
}

interface Running {
  readonly app: App;
  readonly sim: RancherSimulator;
  readonly time: VirtualTime;
}

let running: Running | undefined;
afterEach(async () => {
  if (running === undefined) return;
  const { app, sim, time } = running;
  running = undefined;
  await time.drain(app.close());
  await sim.close();
});

async function startDemo(): Promise<Running> {
  const sim = await createRancherSimulator({ clock: "manual" });
  const time = new VirtualTime(sim.control);
  const { app } = createTestApp(DEMO_CONFIG, {
    storePath: ":memory:",
    startSimulator: () => Promise.resolve({ ...sim, close: () => Promise.resolve() }),
    now: time.now,
    sleep: time.sleep,
    verifyIntervalMs: 1_000,
    onEvent: () => time.touch(),
  });
  await app.start();
  running = { app, sim, time };
  return running;
}

async function deploy({ app, time }: Running, tag: string): Promise<Deployment> {
  const res = await request(app.http)
    .post("/hooks/registry")
    .set("content-type", capture.headers["content-type"] ?? "application/json")
    .set("authorization", `Bearer ${DEMO_BEARER}`)
    .send(JSON.stringify(workerPush(tag)));
  expect(res.status).toBe(202);
  const id = (res.body as { deployments: { id: string; target: string }[] }).deployments[0];
  expect(id?.target).toBe("demo/shop/worker");
  const current = (): Deployment | undefined => app.core.store.get(id?.id ?? "");
  await time.runUntil(() => isTerminal(current()?.state ?? "queued"));
  return current()!;
}

describe("a crash-looping image on a service without a health check", () => {
  it("is rolled back: the new container restarted during the soak", async () => {
    const demo = await startDemo();

    const done = await deploy(demo, "crash-1.1.0");

    expect(done.state).toBe("rolled-back");
    expect(done.error?.code).toBe("ERR_UNHEALTHY");
    expect(done.error?.message).toMatch(/^new containers unhealthy: 0\/1 healthy \[/);
    expect(
      demo.app.core.store
        .events(done.id)
        .filter((event) => event.kind === "transition")
        .map((event) => event.state),
    ).toEqual(["queued", "preparing", "upgrading", "verifying", "rolling-back", "rolled-back"]);
    const worker = demo.sim.control.service(demo.sim.control.serviceId("shop", "worker")) as {
      state: string;
      launchConfig: { imageUuid: string };
    };
    expect(worker.state).toBe("active");
    expect(worker.launchConfig.imageUuid).toBe("docker:registry.example.com/shop/worker:1.0.0");
  });

  it("while the same push of a good tag succeeds", async () => {
    const demo = await startDemo();

    const done = await deploy(demo, "1.1.0");

    expect(done.state).toBe("succeeded");
  });
});
