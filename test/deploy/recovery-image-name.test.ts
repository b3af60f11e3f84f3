import { afterEach, describe, expect, it } from "vitest";
import type { SeedInput } from "../../src/simulator/index.js";
import { createManualHarness, SIM_SETTINGS, type ManualHarness } from "./manual-harness.js";

/** One Docker Hub service: Rancher runs it by its familiar name, drover records the normalised one. */
const HUB_SEED: SeedInput = {
  projects: [
    {
      id: "1a5",
      name: "Default",
      hosts: 1,
      stacks: [
        {
          name: "edge",
          services: [
            {
              name: "proxy",
              scale: 1,
              image: "nginx:1.25",
              healthCheck: { port: 80, requestLine: 'GET "/healthz" "HTTP/1.0"' },
            },
          ],
        },
      ],
    },
  ],
  keys: [{ accessKey: "drover-sim", secretKey: "drover-sim-secret", project: "1a5" }],
};

const NGINX = "docker.io/library/nginx";

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/**
 * What a crashed drover left behind: its upgrade to nginx:flaky-1.26 finished in Rancher, the new
 * container is unhealthy, and the deployment row (previous image as recorded) still says verifying.
 */
async function crashedWhileVerifying(h: ManualHarness, previousImage: string) {
  const id = h.sim.control.serviceId("edge", "proxy");
  const authorization = `Basic ${Buffer.from(`${h.sim.accessKey}:${h.sim.secretKey}`).toString("base64")}`;
  const post = async (action: string, body: unknown = {}): Promise<void> => {
    const response = await fetch(`${h.sim.url}/v2-beta/projects/1a5/services/${id}/?action=${action}`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.text();
    expect(response.status).toBe(202);
  };
  const service = (): { state: string; launchConfig: { imageUuid: string } } =>
    h.sim.control.service(id) as { state: string; launchConfig: { imageUuid: string } };

  await post("upgrade", {
    inServiceStrategy: {
      batchSize: 1,
      intervalMillis: 100,
      launchConfig: { ...service().launchConfig, imageUuid: "docker:nginx:flaky-1.26" },
      secondaryLaunchConfigs: [],
    },
  });
  await h.sim.control.clock.advanceUntil(() => service().state === "upgraded");
  await post("finishupgrade");
  await h.sim.control.clock.advanceUntil(() => service().state === "active");
  await h.sim.control.clock.advanceUntil(() =>
    h.sim.control
      .instances(id)
      .some((c) => String(c["imageUuid"]).endsWith("flaky-1.26") && c["healthState"] === "unhealthy"),
  );
  const created = h.store.create({
    target: { environment: "demo", stack: "edge", service: "proxy" },
    image: NGINX,
    tag: "flaky-1.26",
    source: "manual",
    settings: SIM_SETTINGS,
  });
  const preparing = h.store.transition({
    id: created.id,
    from: "queued",
    to: "preparing",
    detail: "preparing",
    patch: { previousImage, projectId: "1a5", serviceId: id },
  });
  const deployment = h.store.transition({
    id: preparing.id,
    from: "preparing",
    to: "verifying",
    detail: "crashed while verifying",
  });
  return { deployment, service };
}

describe("recovery's rollback deployment of a Docker Hub image", () => {
  it("records the normalised image name, as a manual rollback does, and Rancher gets the familiar one", async () => {
    harness = await createManualHarness({ seed: HUB_SEED });
    const h = harness;
    const { deployment: d, service } = await crashedWhileVerifying(h, "nginx:1.25");

    await h.engine.recover();
    const rollback = h.store
      .list({ targetKey: d.targetKey, limit: 10 })
      .items.find((x) => x.parentId === d.id);

    expect(h.store.get(d.id)?.state).toBe("failed");
    expect(rollback).toMatchObject({ image: NGINX, tag: "1.25", source: "recovery" });
    expect(h.store.list({ image: NGINX, limit: 10 }).items.map((x) => x.id)).toContain(rollback?.id);
    const [done] = await h.settle([rollback?.id ?? ""]);
    expect(done?.state).toBe("succeeded");
    expect(service()).toMatchObject({ state: "active", launchConfig: { imageUuid: "docker:nginx:1.25" } });
  });

  it("deploys nothing for a recorded previous image Docker would refuse, and says why", async () => {
    harness = await createManualHarness({ seed: HUB_SEED });
    const h = harness;
    const { deployment: d, service } = await crashedWhileVerifying(h, "Nginx:1.25");

    await h.engine.recover();

    expect(h.store.get(d.id)?.state).toBe("failed");
    expect(h.store.list({ targetKey: d.targetKey, limit: 10 }).items.map((x) => x.id)).toEqual([d.id]);
    expect(h.store.events(d.id).at(-1)?.detail).toMatch(
      /^not rolled back: the previous image cannot be deployed \(name: .*lower-case/,
    );
    expect(service().launchConfig.imageUuid).toBe("docker:nginx:flaky-1.26");
  });
});
