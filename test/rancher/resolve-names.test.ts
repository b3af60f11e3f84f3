import { describe, expect, it } from "vitest";
import { RancherApiError, RancherNotFoundError } from "../../src/rancher/index.js";
import type { SeedInput } from "../../src/simulator/index.js";
import { startClientKit } from "./rancher-kit.js";

const SEED: SeedInput = {
  projects: [
    {
      id: "1a5",
      name: "Default",
      stacks: [
        {
          name: "Shop",
          services: [
            { name: "FrontEnd", image: "registry.example.com/shop/frontend:1.0.0" },
            { name: "web", image: "registry.example.com/shop/web:1.0.0" },
          ],
        },
        { name: "blog", services: [{ name: "web", image: "registry.example.com/blog/web:1.0.0" }] },
        {
          name: "bulk",
          services: [
            ...Array.from({ length: 120 }, (_, i) => ({
              name: `svc-${i}`,
              scale: 0,
              image: "example/bulk:1",
            })),
            { name: "wide", scale: 105, image: "example/wide:1" },
          ],
        },
        { name: "1e2", services: [{ name: "web", image: "example/odd:1" }] },
      ],
    },
    {
      id: "1a9",
      name: "Other",
      stacks: [{ name: "shop", services: [{ name: "frontend", image: "x/y:1" }] }],
    },
  ],
  keys: [{ accessKey: "env-key", secretKey: "env-secret", project: "1a5" }],
};

describe("RancherClient: resolving names to ids", () => {
  it("resolves project, stack and service by name, case-insensitively", async () => {
    const kit = await startClientKit({ seed: SEED }, { project: "DEFAULT" });

    const ref = await kit.client.resolveService("SHOP", "frontend");

    const serviceId = kit.sim.control.serviceId("shop", "frontend");
    const stackId = (kit.sim.control.service(serviceId) as { stackId: string }).stackId;
    expect(ref).toEqual({ projectId: "1a5", stackId, serviceId });
    const service = await kit.client.getService(ref);
    expect(service.name).toBe("FrontEnd");
    const lists = kit
      .requests()
      .filter((request) => request.path.endsWith("/stacks") || request.path.endsWith("/services"));
    expect(lists.every((request) => request.query["removed_null"] === "1")).toBe(true);
  });

  it("resolves the project, the stack and the service by id too", async () => {
    const kit = await startClientKit({ seed: SEED }, { project: "1a5" });
    const serviceId = kit.sim.control.serviceId("shop", "web");
    const stackId = (kit.sim.control.service(serviceId) as { stackId: string }).stackId;

    const byIds = await kit.client.resolveService(stackId, serviceId);
    const byNames = await kit.clientWith({}).resolveService("shop", "web");
    const v1StackId = stackId.replace("1st", "1e");

    expect(byIds).toEqual({ projectId: "1a5", stackId, serviceId });
    expect(byNames).toEqual(byIds);
    expect(await kit.clientWith({}).resolveService(v1StackId, "WEB")).toEqual(byIds);
    expect(await kit.client.resolveProjectId()).toBe("1a5");
    // A name that looks like an id is a name first: "1e2" is also blog's v1 id, and blog has a web too.
    const odd = await kit.clientWith({}).resolveService("1e2", "web");
    expect(odd.serviceId).not.toBe(kit.sim.control.serviceId("blog", "web"));
    expect((await kit.client.getService(odd)).launchConfig?.imageUuid).toBe("docker:example/odd:1");
    // A service id from another stack does not resolve under this one.
    await expect(kit.clientWith({}).resolveService("blog", serviceId)).rejects.toBeInstanceOf(
      RancherNotFoundError,
    );
  });

  it("keeps services of the same name in different stacks apart", async () => {
    const kit = await startClientKit({ seed: SEED });

    const shopWeb = await kit.client.resolveService("shop", "web");
    const blogWeb = await kit.client.resolveService("blog", "web");

    expect(shopWeb.serviceId).toBe(kit.sim.control.serviceId("shop", "web"));
    expect(blogWeb.serviceId).toBe(kit.sim.control.serviceId("blog", "web"));
    expect(shopWeb.serviceId).not.toBe(blogWeb.serviceId);
    expect(shopWeb.stackId).not.toBe(blogWeb.stackId);
  });

  it("caches resolved ids and resolves again when asked after the service was recreated", async () => {
    const kit = await startClientKit({ seed: SEED });
    const first = await kit.client.resolveService("shop", "web");
    const requestsAfterFirst = kit.requests().length;

    const cached = await kit.client.resolveService("Shop", "WEB");
    expect(cached).toEqual(first);
    expect(kit.requests().length).toBe(requestsAfterFirst);

    const removed = await kit.api("POST", `/v2-beta/projects/1a5/services/${first.serviceId}/?action=remove`);
    expect(removed.status).toBe(202);
    await kit.sim.control.clock.advanceUntil(
      () => kit.sim.control.service(first.serviceId)["state"] === "removed",
    );
    // Rancher 1.6 still answers a removed service by id (docs/rancher-api.md §1.6).
    expect((await kit.client.getService(first)).state).toBe("removed");
    await expect(kit.client.resolveService("shop", "web", true)).rejects.toBeInstanceOf(RancherNotFoundError);

    const created = await kit.api("POST", "/v2-beta/projects/1a5/services", {
      name: "web",
      stackId: first.stackId,
      scale: 1,
      launchConfig: { imageUuid: "docker:registry.example.com/shop/web:2.0.0" },
    });
    expect(created.status).toBe(201);

    const fresh = await kit.client.resolveService("shop", "web", true);
    expect(fresh.serviceId).toBe(created.body["id"]);
    expect(fresh.serviceId).not.toBe(first.serviceId);
    expect(await kit.client.resolveService("shop", "web")).toEqual(fresh);
  });

  it("answers a 404 for an unknown id as a RancherApiError with Cattle's plain error shape", async () => {
    const kit = await startClientKit({ seed: SEED });

    const error = await kit.client
      .getService({ projectId: "1a5", serviceId: "1s999" })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherApiError);
    expect(error).toMatchObject({ httpStatus: 404, rancherCode: "Not Found", fieldName: undefined });
  });

  it("follows pagination.next through every page", async () => {
    const kit = await startClientKit({ seed: SEED });
    const ref = await kit.client.resolveService("bulk", "wide");
    kit.sim.control.clearRequests();

    const instances = await kit.client.listInstances(ref);

    expect(instances).toHaveLength(105);
    expect(new Set(instances.map((instance) => instance.id)).size).toBe(105);
    const pages = kit.requests().filter((request) => request.path.endsWith("/instances"));
    expect(pages.map((request) => request.query["marker"])).toEqual([undefined, "m100"]);
  });

  it("reads every page of a stack before deciding a service does not exist", async () => {
    const kit = await startClientKit({ seed: SEED });

    await expect(kit.client.resolveService("bulk", "missing")).rejects.toThrow(
      /service "missing" not found in stack "bulk" of environment "staging"/,
    );
    const full = kit
      .requests()
      .filter((request) => request.path.endsWith("/services") && request.query["name"] === undefined);
    expect(full.map((request) => request.query["marker"])).toEqual([undefined, "m100"]);
  });

  it("names the environment when the project or stack is unknown", async () => {
    const kit = await startClientKit({ seed: SEED }, { project: "Nowhere" });
    await expect(kit.client.resolveService("shop", "web")).rejects.toThrow(
      /environment \(project\) "Nowhere" not found for environment "staging"/,
    );
    await expect(kit.clientWith({}).resolveService("nostack", "web")).rejects.toBeInstanceOf(
      RancherNotFoundError,
    );
  });
});
