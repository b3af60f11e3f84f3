import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createRancherSimulator,
  DEFAULT_SEED_YAML,
  defaultSeed,
  loadSeedFile,
  parseSeed,
  SeedError,
  validateSeed,
} from "../../src/simulator/index.js";
import { startSim, type Json } from "./sim-test-kit.js";

const problemsOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof SeedError) return error.problems;
    throw error;
  }
  throw new Error("no SeedError");
};

describe("seed files", () => {
  it("ships the default seed as config/seed/default.yml, byte for byte", () => {
    const file = readFileSync(new URL("../../config/seed/default.yml", import.meta.url), "utf8");

    expect(file).toBe(DEFAULT_SEED_YAML);
    expect(parseSeed(file)).toEqual(defaultSeed());
  });

  it("produces the documented ids from the default seed", async () => {
    const kit = await startSim();

    const projects = await kit.get("/v2-beta/projects");
    const stacks = await kit.get("/v2-beta/projects/1a5/stacks");
    const services = await kit.get("/v2-beta/projects/1a5/services");
    const containers = await kit.get("/v2-beta/projects/1a5/containers");

    expect(kit.sim).toMatchObject({
      accessKey: "drover-sim",
      secretKey: "drover-sim-secret",
      projectId: "1a5",
    });
    expect(projects.body.data.map((p: Json) => `${String(p.id)} ${String(p.name)}`)).toEqual(["1a5 Default"]);
    expect(stacks.body.data.map((s: Json) => `${String(s.id)} ${String(s.name)}`)).toEqual(["1st1 shop"]);
    expect(
      services.body.data.map(
        (s: Json) => `${String(s.id)} ${String(s.name)} ${String(s.scale)} ${String(s.state)}`,
      ),
    ).toEqual(["1s1 frontend 2 active", "1s2 worker 1 active"]);
    expect(
      containers.body.data.map(
        (c: Json) => `${String(c.id)} ${String(c.name)} ${String(c.healthState)} ${String(c.imageUuid)}`,
      ),
    ).toEqual([
      "1i1 shop-frontend-1 healthy docker:registry.example.com/shop/frontend:1.0.0",
      "1i2 shop-frontend-nginx-1 null docker:nginx:1.25",
      "1i3 shop-frontend-2 healthy docker:registry.example.com/shop/frontend:1.0.0",
      "1i4 shop-frontend-nginx-2 null docker:nginx:1.25",
      "1i5 shop-worker-1 null docker:registry.example.com/shop/worker:1.0.0",
    ]);
    expect(services.body.data[0].launchConfig.healthCheck).toMatchObject({
      type: "instanceHealthCheck",
      port: 80,
      interval: 2000,
      healthyThreshold: 2,
    });
    expect(services.body.data[1].launchConfig).not.toHaveProperty("healthCheck");
  });

  it("loads a custom seed with several projects, hosts, kinds, ids and key types", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drover-seed-"));
    const file = join(dir, "seed.yml");
    writeFileSync(
      file,
      `projects:
  - name: Prod
    hosts: [a, b]
    stacks:
      - id: 1st40
        name: web
        services:
          - { name: api, scale: 2, image: "docker:shop/api:3", id: 1s70 }
          - { name: lb, kind: loadBalancerService, image: rancher/lb-service-haproxy:v0.7.9 }
  - name: Test
keys:
  - { accessKey: admin, secretKey: pw, projects: all }
timing: { pullMs: 100 }
`,
    );
    const sim = await createRancherSimulator({ seedFile: file });
    try {
      const auth = { authorization: `Basic ${Buffer.from("admin:pw").toString("base64")}` };
      const projects = (await (await fetch(`${sim.url}/v2-beta/projects`, { headers: auth })).json()) as Json;
      const services = (await (
        await fetch(`${sim.url}/v2-beta/projects/1a5/services`, { headers: auth })
      ).json()) as Json;
      const hosts = (await (
        await fetch(`${sim.url}/v2-beta/projects/1a5/hosts`, { headers: auth })
      ).json()) as Json;

      expect(projects.data.map((p: Json) => p.id)).toEqual(["1a5", "1a6"]);
      expect(
        services.data.map((s: Json) => `${String(s.id)} ${String(s.type)} ${String(s.stackId)}`),
      ).toEqual(["1s70 service 1st40", "1s71 loadBalancerService 1st40"]);
      expect(hosts.data.map((h: Json) => h.name)).toEqual(["a", "b"]);
      expect(
        new Set(services.data[0].instanceIds.map((id: string) => sim.control.container(id)["hostId"])),
      ).toEqual(new Set(["1h1", "1h2"]));
      expect(sim.keys).toEqual([{ accessKey: "admin", secretKey: "pw", project: "account" }]);
    } finally {
      await sim.close();
    }
  });

  it("names every bad field at once", () => {
    const problems = problemsOf(() =>
      validateSeed({
        projects: [
          {
            name: "P",
            id: "5",
            stacks: [
              { name: "s", services: [{ name: "a", scale: -1, image: "x:1", colour: "red" }, { name: "b" }] },
            ],
          },
        ],
        keys: [{ accessKey: "k", secretKey: "s" }],
      }),
    );

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^projects\[0\]\.id: must look like 1a<number>/),
        expect.stringMatching(/^projects\[0\]\.stacks\[0\]\.services\[0\]\.scale: must be 0 or more/),
        expect.stringMatching(/^projects\[0\]\.stacks\[0\]\.services\[0\]: .*colour/),
        expect.stringMatching(/^keys\[0\]: give exactly one of project/),
      ]),
    );
  });

  it("reports cross-field problems: missing images, duplicate names, unknown projects in keys", () => {
    const problems = problemsOf(() =>
      validateSeed({
        projects: [
          {
            name: "P",
            stacks: [
              {
                name: "s",
                services: [{ name: "a" }, { name: "A", image: "x:1", sidekicks: [{ name: "k" }] }],
              },
            ],
          },
        ],
        keys: [{ accessKey: "k", secretKey: "s", project: "Nope" }],
      }),
    );

    expect(problems).toEqual([
      'projects[0].stacks[0].services: service name "A" is used twice',
      "projects[0].stacks[0].services[0].image: missing; give image or launchConfig.imageUuid",
      "projects[0].stacks[0].services[1].sidekicks[0].image: missing; give image or launchConfig.imageUuid",
      'keys[0]: project "Nope" is not in projects',
    ]);
  });

  it("reports YAML syntax errors, unreadable files and seeds without keys", async () => {
    const yamlProblems = problemsOf(() => parseSeed("projects: [oops\n", "bad.yml"));

    expect(yamlProblems[0]).toMatch(/flow sequence|Missing|Unexpected/i);
    await expect(loadSeedFile("/nonexistent/seed.yml")).rejects.toThrow(/cannot read the file: ENOENT/);
    await expect(createRancherSimulator({ seed: { projects: [{ name: "P" }] } })).rejects.toThrow(
      /at least one API key/,
    );
  });

  it("replaces the seed's keys with apiKey", async () => {
    const kit = await startSim({ apiKey: { accessKey: "mine", secretKey: "secret" } });

    const old = await kit.get("/v2-beta/projects/1a5/services", {
      auth: { accessKey: "drover-sim", secretKey: "drover-sim-secret" },
    });
    const mine = await kit.get("/v2-beta/projects/1a5/services", {
      auth: { accessKey: "mine", secretKey: "secret" },
    });

    expect(old.status).toBe(401);
    expect(mine.status).toBe(200);
  });
});

describe("docs/simulator.md", () => {
  it("shows seeds that validate and the default seed as shipped", () => {
    const doc = readFileSync(new URL("../../docs/simulator.md", import.meta.url), "utf8");
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");

    const seeds = blocks.map((block) => parseSeed(block, "docs"));

    expect(seeds).toHaveLength(2);
    expect(seeds[0]).toEqual(defaultSeed());
    expect(seeds[1]?.projects.map((p) => p.name)).toEqual(["Production", "Staging"]);
  });
});
