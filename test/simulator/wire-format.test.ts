import { describe, expect, it } from "vitest";
import type { SeedInput } from "../../src/simulator/index.js";
import { startSim, upgradeBody } from "./sim-test-kit.js";

/** Two projects, an environment key for each and an account key for both. */
const twoProjects: SeedInput = {
  projects: [
    {
      id: "1a5",
      name: "Default",
      stacks: [{ name: "shop", services: [{ name: "web", image: "shop/web:1" }] }],
    },
    {
      id: "1a7",
      name: "Staging",
      stacks: [{ name: "shop", services: [{ name: "web", image: "shop/web:1" }] }],
    },
  ],
  keys: [
    { accessKey: "env5", secretKey: "s5", project: "1a5" },
    { accessKey: "env7", secretKey: "s7", project: "Staging" },
    { accessKey: "acct", secretKey: "sa", projects: ["1a5", "1a7"] },
  ],
};
const acct = { accessKey: "acct", secretKey: "sa" };

describe("addressing and auth (docs/rancher-api.md §1)", () => {
  it("serves /v1 and /v2-beta with and without /projects/{id} for an environment key", async () => {
    const kit = await startSim();

    const replies = await Promise.all(
      [
        "/v2-beta/services",
        "/v2-beta/projects/1a5/services",
        "/v1/services",
        "/v1/projects/1a5/services",
      ].map((p) => kit.get(p)),
    );

    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replies.map((r) => r.body.data.map((s: { id: string }) => s.id).join())).toEqual([
      "1s1,1s2",
      "1s1,1s2",
      "1s1,1s2",
      "1s1,1s2",
    ]);
    expect(replies[0]?.body.data[0].links.self).toBe(`${kit.sim.url}/v2-beta/services/1s1`);
    expect(replies[1]?.body.data[0].links.self).toBe(`${kit.sim.url}/v2-beta/projects/1a5/services/1s1`);
  });

  it("answers 401 with a Basic challenge without or with wrong credentials", async () => {
    const kit = await startSim();

    const none = await kit.get("/v2-beta/projects/1a5/services", { auth: false });
    const wrong = await kit.get("/v2-beta/projects/1a5/services", {
      auth: { accessKey: "drover-sim", secretKey: "nope" },
    });

    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect(none.body).toMatchObject({
      type: "error",
      status: 401,
      code: "Unauthorized",
      message: "Unauthorized",
    });
    expect(wrong.status).toBe(401);
  });

  it("answers 403 for a foreign, unknown or unparseable project", async () => {
    const kit = await startSim({ seed: twoProjects });
    const env5 = { accessKey: "env5", secretKey: "s5" };

    const foreign = await kit.get("/v2-beta/projects/1a7/services", { auth: env5 });
    const unknown = await kit.get("/v2-beta/projects/1a99/services", { auth: env5 });
    const unparseable = await kit.get("/v2-beta/projects/Default/services", { auth: env5 });
    const byHeader = await kit.get("/v2-beta/services", {
      auth: env5,
      headers: { "X-API-Project-Id": "1a7" },
    });

    expect([foreign.status, unknown.status, unparseable.status, byHeader.status]).toEqual([
      403, 403, 403, 403,
    ]);
    expect(foreign.body).toMatchObject({ code: "Forbidden", message: "Forbidden" });
  });

  it("lets an account key pick the project by path, header or query, and sees nothing without one", async () => {
    const kit = await startSim({ seed: twoProjects });

    const byPath = await kit.get("/v2-beta/projects/1a7/services", { auth: acct });
    const byHeader = await kit.get("/v2-beta/services", {
      auth: acct,
      headers: { "X-API-Project-Id": "1a7" },
    });
    const byQuery = await kit.get("/v2-beta/services?projectId=1a7", { auth: acct });
    const without = await kit.get("/v2-beta/services", { auth: acct });
    const projects = await kit.get("/v2-beta/projects", { auth: acct });
    const envProjects = await kit.get("/v2-beta/projects", { auth: { accessKey: "env7", secretKey: "s7" } });

    expect([byPath, byHeader, byQuery].map((r) => r.body.data[0].accountId)).toEqual(["1a7", "1a7", "1a7"]);
    expect(byHeader.headers.get("x-api-account-id")).toBe("1a7");
    expect(without.body.data).toEqual([]);
    expect(projects.body.data.map((p: { id: string }) => p.id)).toEqual(["1a5", "1a7"]);
    expect(envProjects.body.data.map((p: { name: string }) => p.name)).toEqual(["Staging"]);
  });

  it("sends X-API-Schemas on every response and serves the API root and schemas", async () => {
    const kit = await startSim();

    const root = await kit.get("/v2-beta");
    const schema = await kit.get("/v2-beta/schemas/service");
    const ping = await kit.get("/ping", { auth: false });

    expect(root.headers.get("x-api-schemas")).toBe(`${kit.sim.url}/v2-beta/schemas`);
    expect(root.body).toMatchObject({ id: "v2-beta", type: "apiVersion" });
    expect(root.body.links.services).toBe(`${kit.sim.url}/v2-beta/services`);
    expect(schema.body.resourceActions).toHaveProperty("upgrade");
    expect(schema.body.collectionFilters).toHaveProperty("stackId");
    expect(ping.body).toBe("pong");
  });
});

describe("v1 renames and ids (docs/rancher-api.md §1.1, §1.4)", () => {
  it("shows stacks as environments under /v1 with 1e ids, environmentId and /environments/ links", async () => {
    const kit = await startSim();

    const stacks = await kit.get("/v1/projects/1a5/environments");
    const service = await kit.get("/v1/projects/1a5/services/1s1");
    const v2stacks = await kit.get("/v2-beta/projects/1a5/environments");

    expect(stacks.body.resourceType).toBe("environment");
    expect(stacks.body.data[0]).toMatchObject({ id: "1e1", type: "environment", name: "shop" });
    expect(stacks.body.data[0].links.self).toBe(`${kit.sim.url}/v1/projects/1a5/environments/1e1`);
    expect(service.body).toMatchObject({ environmentId: "1e1" });
    expect(service.body).not.toHaveProperty("stackId");
    expect(service.body.links.environment).toBe(`${kit.sim.url}/v1/projects/1a5/services/1s1/environment`);
    expect(service.body.links).not.toHaveProperty("stack");
    expect(v2stacks.status).toBe(404);
  });

  it("resolves ids by number whatever the letters (1e1 = 1st1; 1i1 names service 1 on /services)", async () => {
    const kit = await startSim();

    const viaV2Id = await kit.get("/v1/projects/1a5/environments/1st1");
    const viaV1Id = await kit.get("/v2-beta/projects/1a5/stacks/1e1");
    const oddity = await kit.get("/v2-beta/projects/1a5/services/1i1");
    const unparseable = await kit.get("/v2-beta/projects/1a5/services/web");

    expect(viaV2Id.body.id).toBe("1e1");
    expect(viaV1Id.body.id).toBe("1st1");
    expect(oddity.body).toMatchObject({ id: "1s1", name: "frontend" });
    expect(unparseable.body).toMatchObject({ status: 404, code: "Not Found" });
  });

  it("puts …/{id}/?action=name in actions maps and accepts the form without the slash", async () => {
    const kit = await startSim();
    const service = await kit.service("1s2");

    const withoutSlash = await kit.post("/v2-beta/projects/1a5/services/1s2?action=deactivate");

    expect(service.actions.upgrade).toBe(`${kit.sim.url}/v2-beta/projects/1a5/services/1s2/?action=upgrade`);
    expect(withoutSlash.status).toBe(202);
  });
});

describe("request bodies (docs/rancher-api.md §1.7)", () => {
  it("reads JSON without Content-Type, coerces strings and ignores unknown, read-only and nested meta keys", async () => {
    const kit = await startSim();
    const service = await kit.service("1s1");
    const launchConfig = {
      ...service.launchConfig,
      imageUuid: "docker:registry.example.com/shop/frontend:2",
      links: null,
      actions: null,
      bogus: undefined,
    };
    const body = {
      type: "serviceUpgrade",
      links: {},
      whatever: 1,
      toServiceStrategy: {},
      inServiceStrategy: {
        batchSize: "2",
        intervalMillis: "500",
        startFirst: "true",
        launchConfig,
        secondaryLaunchConfigs: [],
        links: null,
        actions: null,
        type: "x",
      },
    };

    const reply = await kit.request("POST", "/v2-beta/projects/1a5/services/1s1/?action=upgrade", {
      raw: JSON.stringify(body),
    });
    await kit.sim.control.clock.advance(0);
    const strategy = (await kit.service("1s1")).upgrade.inServiceStrategy;

    expect(reply.status).toBe(202);
    expect(strategy).toMatchObject({ batchSize: 2, intervalMillis: 500, startFirst: true });
    expect(reply.body.launchConfig).not.toHaveProperty("links");
    expect(reply.body.launchConfig.type).toBe("launchConfig");
  });

  it("answers 400 InvalidBodyContent for a body that is not JSON", async () => {
    const kit = await startSim();

    const reply = await kit.request("POST", "/v2-beta/projects/1a5/services/1s1/?action=upgrade", {
      raw: "{nope",
    });

    expect(reply.body).toMatchObject({
      status: 400,
      code: "InvalidBodyContent",
      type: "error",
      baseType: "error",
    });
  });

  it("supports the _method override and answers 405 for methods a type does not allow", async () => {
    const kit = await startSim();

    const removed = await kit.post("/v2-beta/projects/1a5/services/1s2?_method=DELETE");
    const notAllowed = await kit.request("PUT", "/v2-beta/projects/1a5/services");

    expect(removed.body.state).toBe("removing");
    expect(notAllowed.body).toMatchObject({ status: 405, code: "Method not allowed" });
  });
});

describe("error shapes (docs/rancher-api.md §1.9)", () => {
  it("renders validation errors with fieldName and null message, plain errors without fieldName", async () => {
    const kit = await startSim();

    const validation = await kit.action("1s1", "finishupgrade");
    const plain = await kit.get("/v2-beta/projects/1a5/services/1s99");

    expect(Object.keys(validation.body)).toEqual([
      "id",
      "type",
      "links",
      "actions",
      "status",
      "code",
      "message",
      "detail",
      "fieldName",
      "baseType",
    ]);
    expect(validation.body).toMatchObject({
      type: "error",
      links: {},
      actions: {},
      status: 422,
      code: "ActionNotAvailable",
      message: null,
      detail: null,
      fieldName: "action",
      baseType: "error",
    });
    expect(Object.keys(plain.body)).toEqual([
      "id",
      "type",
      "links",
      "actions",
      "status",
      "code",
      "message",
      "detail",
      "baseType",
    ]);
    expect(plain.body).toMatchObject({ status: 404, code: "Not Found", message: "Not Found" });
    expect(validation.body.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("puts the upgrade filter's sentence in fieldName", async () => {
    const kit = await startSim();
    const service = await kit.service("1s1");

    const reply = await kit.action("1s1", "upgrade", {
      inServiceStrategy: { ...upgradeBody(service, "x/y:1").inServiceStrategy, launchConfig: null },
    });

    expect(reply.body).toMatchObject({
      status: 422,
      code: "InvalidOption",
      message: null,
      fieldName: "LaunchConfig/secondaryLaunchConfigs need to be specified for inService strategy",
    });
  });
});
