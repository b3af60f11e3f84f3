import { describe, expect, it } from "vitest";
import type { SeedInput } from "../../src/simulator/index.js";
import { startSim, type Json } from "./sim-test-kit.js";

/** 130 services in `big`, plus `web` in two stacks and services of every kind in `mixed`. */
const seed: SeedInput = {
  projects: [
    {
      id: "1a5",
      name: "Default",
      stacks: [
        {
          name: "big",
          services: Array.from({ length: 130 }, (_, i) => ({
            name: `svc-${String(i).padStart(3, "0")}`,
            scale: 0,
            image: "x/y:1",
          })),
        },
        { name: "shop", services: [{ name: "web", image: "shop/web:1" }] },
        {
          name: "mixed",
          services: [
            { name: "Web", image: "shop/web:1", state: "inactive" },
            { name: "lb", kind: "loadBalancerService", image: "rancher/lb-service-haproxy:v0.7.9" },
            { name: "dns", kind: "dnsService" },
            { name: "ext", kind: "externalService" },
          ],
        },
      ],
    },
  ],
  keys: [{ accessKey: "k", secretKey: "s", project: "1a5" }],
};

const names = (reply: { body: Json }): string[] => reply.body.data.map((row: Json) => String(row.name));

describe("collections (docs/rancher-api.md §1.6)", () => {
  it("wraps rows in Cattle's envelope with a default limit of 100 and marker pagination", async () => {
    const kit = await startSim({ seed });

    const first = await kit.get("/v2-beta/projects/1a5/services");
    const second = await kit.get(String(first.body.pagination.next).replace(kit.sim.url, ""));

    expect(first.body).toMatchObject({
      type: "collection",
      resourceType: "service",
      createTypes: {},
      actions: {},
      sort: null,
      createDefaults: {},
      pagination: { first: null, previous: null, limit: 100, total: null, partial: true },
    });
    expect(first.body.links.self).toBe(`${kit.sim.url}/v2-beta/projects/1a5/services`);
    expect(first.body.pagination.next).toBe(`${kit.sim.url}/v2-beta/projects/1a5/services?marker=m100`);
    expect(first.body.data).toHaveLength(100);
    expect(second.body.data).toHaveLength(35);
    expect(second.body.pagination).toMatchObject({ next: null, partial: false });
    expect(first.body.filters.name).toBeNull();
  });

  it("honours limit, caps it at 3000 and keeps the query in pagination.next", async () => {
    const kit = await startSim({ seed });

    const page = await kit.get("/v2-beta/projects/1a5/services?stackId=1st1&limit=50");
    const last = await kit.get("/v2-beta/projects/1a5/services?stackId=1st1&limit=50&marker=m100");
    const huge = await kit.get("/v2-beta/projects/1a5/services?limit=100000");

    expect(page.body.data).toHaveLength(50);
    expect(page.body.pagination.next).toBe(
      `${kit.sim.url}/v2-beta/projects/1a5/services?stackId=1st1&limit=50&marker=m50`,
    );
    expect(names(last)).toHaveLength(30);
    expect(huge.body.pagination).toMatchObject({ limit: 3000, partial: false });
  });

  it("filters by name (case-insensitively), returning one row per stack for a shared name", async () => {
    const kit = await startSim({ seed });

    const reply = await kit.get("/v2-beta/projects/1a5/services?name=web&removed_null=1");

    expect(reply.body.data.map((row: Json) => `${String(row.stackId)}/${String(row.name)}`)).toEqual([
      "1st2/web",
      "1st3/Web",
    ]);
    expect(reply.body.filters.name).toEqual([{ value: "web", modifier: "eq" }]);
    expect(reply.body.filters.removed).toEqual([{ value: "1", modifier: "null" }]);
  });

  it("filters by stackId (v2-beta) and environmentId (v1), any letters; an unparseable id matches nothing", async () => {
    const kit = await startSim({ seed });

    const v2 = await kit.get("/v2-beta/projects/1a5/services?stackId=1st2");
    const v1 = await kit.get("/v1/projects/1a5/services?environmentId=1e2");
    const v1stackId = await kit.get("/v1/projects/1a5/services?stackId=1e2");
    const bogus = await kit.get("/v2-beta/projects/1a5/services?stackId=shop");

    expect(names(v2)).toEqual(["web"]);
    expect(names(v1)).toEqual(["web"]);
    expect(names(v1stackId)).toEqual(["web"]);
    expect(bogus.body.data).toEqual([]);
  });

  it("mixes service kinds in /services and filters by kind, state and modifiers; unknown filters are ignored", async () => {
    const kit = await startSim({ seed });
    const base = "/v2-beta/projects/1a5/services?stackId=1st3";

    const all = await kit.get(base);
    const byKind = await kit.get(`${base}&kind=dnsService`);
    const byState = await kit.get(`${base}&state=inactive`);
    const notInactive = await kit.get(`${base}&state_ne=inactive`);
    const prefix = await kit.get("/v2-beta/projects/1a5/services?name_prefix=svc-12");
    const like = await kit.get("/v2-beta/projects/1a5/services?name_like=svc-0_9");
    const ignored = await kit.get(`${base}&colour=blue&name_sounds=like`);
    const lbs = await kit.get("/v2-beta/projects/1a5/loadbalancerservices");

    expect(all.body.data.map((row: Json) => row.type)).toEqual([
      "service",
      "loadBalancerService",
      "dnsService",
      "externalService",
    ]);
    expect(names(byKind)).toEqual(["dns"]);
    expect(names(byState)).toEqual(["Web"]);
    expect(names(notInactive)).toEqual(["lb", "dns", "ext"]);
    expect(names(prefix)).toEqual([
      "svc-120",
      "svc-121",
      "svc-122",
      "svc-123",
      "svc-124",
      "svc-125",
      "svc-126",
      "svc-127",
      "svc-128",
      "svc-129",
    ]);
    expect(names(like)).toEqual([
      "svc-009",
      "svc-019",
      "svc-029",
      "svc-039",
      "svc-049",
      "svc-059",
      "svc-069",
      "svc-079",
      "svc-089",
      "svc-099",
    ]);
    expect(names(ignored)).toHaveLength(4);
    expect(lbs.body.resourceType).toBe("loadBalancerService");
    expect(names(lbs)).toEqual(["lb"]);
  });

  it("never lists removed rows, with or without removed_null", async () => {
    const kit = await startSim({ seed });
    const id = kit.sim.control.serviceId("shop", "web");
    await kit.action(id, "remove");
    await kit.until(id, (s) => s.state === "removed");

    const plain = await kit.get("/v2-beta/projects/1a5/services?name=web");
    const withNull = await kit.get("/v2-beta/projects/1a5/services?name=web&removed_null=true");
    const notNull = await kit.get("/v2-beta/projects/1a5/services?name=web&removed_notnull=1");

    expect(names(plain)).toEqual(["Web"]);
    expect(names(withNull)).toEqual(["Web"]);
    expect(notNull.body.data).toEqual([]);
  });

  it("follows links: stack services, service instances, container services", async () => {
    const kit = await startSim();

    const stackServices = await kit.get("/v2-beta/projects/1a5/stacks/1st1/services");
    const v1StackServices = await kit.get("/v1/projects/1a5/environments/1e1/services");
    const instances = await kit.get("/v2-beta/projects/1a5/services/1s1/instances?name=shop-frontend-1");
    const containerServices = await kit.get("/v2-beta/projects/1a5/containers/1i5/services");
    const stackOfService = await kit.get("/v2-beta/projects/1a5/services/1s1/stack");
    const unknownLink = await kit.get("/v2-beta/projects/1a5/services/1s1/nothing");

    expect(names(stackServices)).toEqual(["frontend", "worker"]);
    expect(names(v1StackServices)).toEqual(["frontend", "worker"]);
    expect(instances.body.resourceType).toBe("instance");
    expect(instances.body.data.map((c: Json) => c.id)).toEqual(["1i1"]);
    expect(names(containerServices)).toEqual(["worker"]);
    expect(stackOfService.body).toMatchObject({ id: "1st1", type: "stack" });
    expect(unknownLink.status).toBe(404);
  });

  it("sorts by a filterable field when asked", async () => {
    const kit = await startSim({ seed });

    const reply = await kit.get("/v2-beta/projects/1a5/services?stackId=1st3&sort=name&order=desc");

    expect(names(reply)).toEqual(["Web", "lb", "ext", "dns"]);
    expect(reply.body.sort).toBe("name");
  });
});
