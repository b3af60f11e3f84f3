/**
 * A schema-driven client, like the generic Rancher 1.x clients (gorancher's base client, the
 * Python `cattle`/gdapi client): it knows no URL but the one it is given, and finds everything
 * else through the `X-API-Schemas` header, the schemas' collection links, resources' `links` and
 * `actions`, and action input types. It must work with an environment API key on the API root,
 * and with an account key on a project URL.
 */
import { describe, expect, it } from "vitest";
import { defaultSeed, type SeedInput } from "../../src/simulator/index.js";
import { basic, startSim, type Json, type SimKit } from "./sim-test-kit.js";

const ACCOUNT_KEY = { accessKey: "account-key", secretKey: "account-secret" };

interface Schema {
  readonly id: string;
  readonly links: { readonly self: string; readonly collection?: string };
  readonly pluralName: string;
  readonly resourceMethods: readonly string[];
  readonly collectionMethods: readonly string[];
  readonly resourceActions: Readonly<Record<string, { input: string | null; output: string | null }>>;
  readonly collectionFilters: Readonly<Record<string, unknown>>;
  readonly resourceFields: Readonly<
    Record<string, { type: string; create: boolean; update: boolean; nullable: boolean; default: unknown }>
  >;
}

class GenericClient {
  readonly schemas = new Map<string, Schema>();
  schemasUrl = "";
  readonly #auth: string;

  constructor(auth: string) {
    this.#auth = auth;
  }

  async request(method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: this.#auth,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? null : JSON.parse(text) };
  }

  /** What every generic client does first: GET the URL, read `X-API-Schemas`, load every schema. */
  async connect(url: string): Promise<void> {
    const response = await fetch(url, { headers: { authorization: this.#auth, accept: "application/json" } });
    expect(response.status).toBe(200);
    const header = response.headers.get("x-api-schemas");
    expect(header).not.toBeNull();
    this.schemasUrl = header!;
    let next: string | null = this.schemasUrl;
    while (next !== null) {
      const page = await this.request("GET", next);
      expect(page.status).toBe(200);
      for (const schema of page.body.data as Schema[]) this.schemas.set(schema.id.toLowerCase(), schema);
      next = page.body.pagination?.next ?? null;
    }
  }

  schema(type: string): Schema {
    const found = this.schemas.get(type.toLowerCase());
    if (found === undefined) throw new Error(`no schema ${type}`);
    return found;
  }

  /** Lists a type through its schema's collection link, with filters the schema declares. */
  async list(type: string, filters: Record<string, string> = {}): Promise<Json[]> {
    const schema = this.schema(type);
    expect(schema.collectionMethods).toContain("GET");
    for (const name of Object.keys(filters)) expect(schema.collectionFilters).toHaveProperty(name);
    const url = new URL(schema.links.collection!);
    for (const [name, value] of Object.entries(filters)) url.searchParams.set(name, value);
    const rows: Json[] = [];
    let next: string | null = url.toString();
    while (next !== null) {
      const page = await this.request("GET", next);
      expect(page.status).toBe(200);
      rows.push(...(page.body.data as Json[]));
      next = page.body.pagination?.next ?? null;
    }
    return rows;
  }

  async follow(resource: Json, link: string): Promise<Json> {
    const url = resource.links?.[link] as string | undefined;
    if (url === undefined) throw new Error(`no link ${link} on ${String(resource.id)}`);
    const reply = await this.request("GET", url);
    expect(reply.status).toBe(200);
    return reply.body;
  }

  /**
   * Builds an input of a type from its schema: the creatable fields among `values` (values of
   * embedded types built the same way, so unknown keys are dropped), and the schema's default for
   * each non-nullable field not given; read-only fields are never sent.
   */
  build(type: string, values: Record<string, unknown>): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(this.schema(type).resourceFields)) {
      if (!spec.create) continue;
      const value = values[name];
      if (value === undefined || value === null) {
        if (!spec.nullable && spec.default !== null) body[name] = spec.default;
        continue;
      }
      const itemType = /^array\[(.*)\]$/.exec(spec.type)?.[1];
      const embedded = (t: string | undefined): boolean =>
        t !== undefined &&
        this.schemas.get(t.toLowerCase())?.links.collection === undefined &&
        this.schemas.has(t.toLowerCase());
      if (itemType !== undefined && embedded(itemType) && Array.isArray(value))
        body[name] = value.map((item: Record<string, unknown>) => this.build(itemType, item));
      else if (embedded(spec.type) && typeof value === "object" && !Array.isArray(value))
        body[name] = this.build(spec.type, value as Record<string, unknown>);
      else body[name] = value;
    }
    return body;
  }

  /** POSTs a resource's advertised action, with a body built from the action's input type. */
  async act(resource: Json, action: string, values: Record<string, unknown> = {}): Promise<Json> {
    const schema = this.schema(String(resource.type));
    const declared = schema.resourceActions[action];
    expect(declared).toBeDefined();
    const url = resource.actions?.[action] as string | undefined;
    if (url === undefined) throw new Error(`action ${action} not offered on ${String(resource.id)}`);
    const body = declared!.input === null ? undefined : this.build(declared!.input, values);
    const reply = await this.request("POST", url, body);
    expect(reply.status).toBe(202);
    expect(reply.body.type).toBe(declared!.output);
    return reply.body;
  }
}

/** Every field type used by the given schemas names a schema (or a primitive), recursively. */
function unresolvedTypes(client: GenericClient, roots: readonly string[]): string[] {
  const primitive = new Set(["string", "int", "boolean", "date", "enum", "json", "password", "float"]);
  const missing = new Set<string>();
  const seen = new Set<string>();
  const visit = (type: string): void => {
    const bare = type.replace(/^(array|map)\[(.*)\]$/, "$2").replace(/^(array|map)\[(.*)\]$/, "$2");
    if (primitive.has(bare) || bare.startsWith("reference[") || seen.has(bare)) return;
    seen.add(bare);
    const schema = client.schemas.get(bare.toLowerCase());
    if (schema === undefined) {
      missing.add(bare);
      return;
    }
    for (const field of Object.values(schema.resourceFields)) visit(field.type);
    for (const action of Object.values(schema.resourceActions))
      if (action.input !== null) visit(action.input);
  };
  for (const root of roots) visit(root);
  return [...missing];
}

async function upgradeThroughSchemas(kit: SimKit, client: GenericClient): Promise<void> {
  const [frontend] = await client.list("service", { name: "frontend" });
  expect(frontend).toMatchObject({ id: "1s1", state: "active" });
  expect(unresolvedTypes(client, ["service", "container", "instance", "stack", "host", "project"])).toEqual(
    [],
  );
  expect(client.schema("service").resourceActions["upgrade"]?.input).toBe("serviceUpgrade");

  const image = "docker:registry.example.com/shop/frontend:1.1.0";
  const upgrading = await client.act(frontend, "upgrade", {
    inServiceStrategy: {
      launchConfig: { ...frontend.launchConfig, imageUuid: image },
      secondaryLaunchConfigs: [],
    },
  });
  expect(upgrading).toMatchObject({
    state: "upgrading",
    launchConfig: {
      imageUuid: image,
      environment: frontend.launchConfig.environment,
      labels: frontend.launchConfig.labels,
      healthCheck: frontend.launchConfig.healthCheck,
    },
  });
  const sent = kit.sim.control.requests().find((r) => r.query["action"] === "upgrade");
  expect(sent?.body).toMatchObject({
    inServiceStrategy: { batchSize: 1, intervalMillis: 2000, startFirst: false, secondaryLaunchConfigs: [] },
  });

  await kit.until("1s1", (s) => s.state === "upgraded");
  const upgraded = (await client.list("service", { name: "frontend" }))[0];
  const instances = (await client.follow(upgraded, "instances")).data as Json[];
  const running = instances.filter((c) => c.state === "running" && c.imageUuid === image);
  expect(running).toHaveLength(2);
  expect(running.every((c) => c.version === upgraded.launchConfig.version)).toBe(true);
  const [container] = running;
  expect(await client.follow(container, "services")).toMatchObject({ data: [{ id: "1s1" }] });

  await client.act(upgraded, "finishupgrade");
  await kit.until("1s1", (s) => s.state === "active");
}

describe("a schema-driven generic client", () => {
  it("upgrades a service with an environment API key, starting from the API root", async () => {
    const kit = await startSim();
    const client = new GenericClient(basic(kit.sim.accessKey, kit.sim.secretKey));

    await client.connect(`${kit.sim.url}/v2-beta`);

    expect(client.schemasUrl).toBe(`${kit.sim.url}/v2-beta/schemas`);
    expect(client.schema("service").links.collection).toBe(`${kit.sim.url}/v2-beta/services`);
    await upgradeThroughSchemas(kit, client);
  });

  it("upgrades a service with an account key on a project URL: scoped schemas and collection links", async () => {
    const seed: SeedInput = {
      ...defaultSeed(),
      keys: [...defaultSeed().keys, { ...ACCOUNT_KEY, projects: "all" }],
    };
    const kit = await startSim({ seed });
    const client = new GenericClient(basic(ACCOUNT_KEY.accessKey, ACCOUNT_KEY.secretKey));

    await client.connect(`${kit.sim.url}/v2-beta/projects/1a5`);
    const scopedHeader = (
      await fetch(`${kit.sim.url}/v2-beta/projects/1a5/services`, {
        headers: { authorization: basic(ACCOUNT_KEY.accessKey, ACCOUNT_KEY.secretKey) },
      })
    ).headers.get("x-api-schemas");

    expect(client.schemasUrl).toBe(`${kit.sim.url}/v2-beta/projects/1a5/schemas`);
    expect(scopedHeader).toBe(`${kit.sim.url}/v2-beta/projects/1a5/schemas`);
    expect(client.schema("service").links).toEqual({
      self: `${kit.sim.url}/v2-beta/projects/1a5/schemas/service`,
      collection: `${kit.sim.url}/v2-beta/projects/1a5/services`,
    });
    expect(client.schema("project").links.collection).toBe(`${kit.sim.url}/v2-beta/projects`);
    await upgradeThroughSchemas(kit, client);
  });

  it("is told only the methods the simulator implements", async () => {
    const kit = await startSim();
    const client = new GenericClient(basic(kit.sim.accessKey, kit.sim.secretKey));
    await client.connect(`${kit.sim.url}/v2-beta`);
    const withCollections = [...client.schemas.values()].filter((s) => s.links.collection !== undefined);

    const answers: string[] = [];
    for (const schema of withCollections) {
      const get = await client.request("GET", schema.links.collection!);
      const post = await client.request("POST", schema.links.collection!, {});
      answers.push(
        `${schema.id} GET ${String(get.status)} POST ${schema.collectionMethods.includes("POST") ? "advertised" : "not advertised"} ${String(post.status)}`,
      );
    }
    const container = (await client.list("container"))[0];
    const containerPut = await client.request("PUT", container.links.self, {});
    const host = (await client.list("host"))[0];
    const hostDelete = await client.request("DELETE", host.links.self);

    expect(answers.sort()).toEqual([
      "container GET 200 POST not advertised 405",
      "dnsService GET 200 POST advertised 422",
      "externalService GET 200 POST advertised 422",
      "host GET 200 POST not advertised 405",
      "instance GET 200 POST not advertised 405",
      "loadBalancerService GET 200 POST advertised 422",
      "project GET 200 POST not advertised 405",
      "service GET 200 POST advertised 422",
      "stack GET 200 POST advertised 422",
    ]);
    expect(client.schema("container").resourceMethods).not.toContain("PUT");
    expect(containerPut.status).toBe(405);
    expect(client.schema("host").resourceMethods).toEqual(["GET"]);
    expect(hostDelete.status).toBe(405);
    expect(client.schema("launchConfig")).toMatchObject({ resourceMethods: [], collectionMethods: [] });
  });

  it("describes upgrade inputs as Cattle does: types, defaults, limits, create flags", async () => {
    const kit = await startSim();
    const client = new GenericClient(basic(kit.sim.accessKey, kit.sim.secretKey));
    await client.connect(`${kit.sim.url}/v2-beta`);

    const upgrade = client.schema("serviceUpgrade").resourceFields;
    const strategy = client.schema("inServiceUpgradeStrategy").resourceFields;
    const service = client.schema("service").resourceFields;

    expect(upgrade["inServiceStrategy"]).toMatchObject({ type: "inServiceUpgradeStrategy", create: true });
    expect(upgrade["toServiceStrategy"]).toMatchObject({ type: "toServiceUpgradeStrategy", create: true });
    expect(strategy).toMatchObject({
      batchSize: { type: "int", default: 1, min: 1, create: true },
      intervalMillis: { type: "int", default: 2000, min: 100, create: true },
      startFirst: { type: "boolean", default: false, create: true },
      launchConfig: { type: "launchConfig", create: true, nullable: true },
      secondaryLaunchConfigs: { type: "array[secondaryLaunchConfig]", create: true },
      previousLaunchConfig: { type: "launchConfig", create: false, update: false },
    });
    expect(service).toMatchObject({
      stackId: { type: "reference[stack]", create: true, update: false, required: true },
      scale: { type: "int", create: true, update: true, default: 1 },
      launchConfig: { type: "launchConfig" },
      upgrade: { type: "serviceUpgrade", create: false },
      state: { create: false, update: false },
    });
    expect(client.schema("launchConfig").resourceFields["imageUuid"]).toMatchObject({
      type: "string",
      required: true,
    });
    expect(client.schema("secondaryLaunchConfig").resourceFields["name"]).toMatchObject({ required: true });
    expect(client.schema("container").resourceFields["startCount"]).toMatchObject({
      type: "int",
      create: false,
    });
  });
});

describe("singular type names at the API root (docs/rancher-api.md §1.2)", () => {
  it("GET /v1/project?name=Default finds the project, as gaucho's id_of_env does", async () => {
    const kit = await startSim();

    const byName = await kit.get("/v1/project?name=Default");
    const byId = await kit.get("/v2-beta/project/1a5");
    const schema = await kit.get("/v2-beta/schema/service");

    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ type: "collection", resourceType: "project", data: [{ id: "1a5" }] });
    expect(byId.body).toMatchObject({ id: "1a5", type: "project" });
    expect(schema.body).toMatchObject({ id: "service", type: "schema" });
  });
});
