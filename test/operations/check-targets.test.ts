import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Backend, EnvironmentConnection } from "../../src/backend/index.js";
import { loadConfig, type Config } from "../../src/config/index.js";
import { CHECK_RETRY, checkTargets, type CheckConnectLimits } from "../../src/operations/index.js";
import {
  RancherAuthError,
  RancherNotFoundError,
  type Service,
  type ServiceRef,
} from "../../src/rancher/index.js";

const dir = mkdtempSync(join(tmpdir(), "drover-check-targets-"));

/** A loaded mapping file with `environments` and one rule per list of targets (flow-style YAML). */
function config(environments: string, ...rules: (readonly string[])[]): Config {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yml`);
  const rule = (targets: readonly string[]): string => `  - image: registry.example.com/shop/frontend
    tags: { glob: "*" }
    targets:
${targets.map((target) => `      - ${target}`).join("\n")}`;
  writeFileSync(file, `environments:\n${environments}\nrules:\n${rules.map(rule).join("\n")}\n`);
  return loadConfig({ file, env: {} }).config;
}

const PROD =
  "  prod: { url: 'https://rancher.example.com', project: Default, accessKey: ak, secretKey: sk-secret-value }";
const DEMO = "  demo: { simulator: default, timeScale: 1 }";

/** A backend with services `stack/name` → service, and nothing else: the operation sees only the interface. */
function fakeBackend(
  environment: string,
  services: Record<string, Service>,
  overrides: Partial<Backend> = {},
): Backend {
  const ids = Object.keys(services);
  const refuse = (): Promise<Service> => Promise.reject(new Error("a check never changes anything"));
  return {
    environment,
    resolveProjectId: () => Promise.resolve("1a5"),
    resolveService(stack, name): Promise<ServiceRef> {
      const key = ids.find((id) => id.toLowerCase() === `${stack}/${name}`.toLowerCase());
      if (key === undefined)
        return Promise.reject(new RancherNotFoundError(`service "${name}" not found in stack "${stack}"`));
      return Promise.resolve({ projectId: "1a5", stackId: "1st1", serviceId: services[key]!.id });
    },
    getService: (ref) =>
      Promise.resolve(Object.values(services).find((service) => service.id === ref.serviceId)!),
    listInstances: () => Promise.resolve([]),
    upgrade: refuse,
    finishUpgrade: refuse,
    rollback: refuse,
    cancelUpgrade: refuse,
    ...overrides,
  };
}

function service(
  id: string,
  image: string,
  sidekicks: readonly { name: string; imageUuid: string }[] = [],
): Service {
  return {
    id,
    type: "service",
    state: "active",
    links: {},
    actions: {},
    launchConfig: { imageUuid: image },
    secondaryLaunchConfigs: sidekicks,
  };
}

interface Opened {
  readonly environment: string;
  readonly limits: CheckConnectLimits;
  closed: number;
}

function connector(backends: Record<string, Backend>) {
  const opened: Opened[] = [];
  const connect = (environment: string, _settings: unknown, limits: CheckConnectLimits) => {
    const record: Opened = { environment, limits, closed: 0 };
    opened.push(record);
    const connection: EnvironmentConnection = {
      environment,
      client: backends[environment]!,
      openChangeFeed: () => Promise.reject(new Error("a check needs no change feed")),
      close: () => {
        record.closed += 1;
        return Promise.resolve();
      },
    };
    return Promise.resolve(connection);
  };
  return { connect, opened };
}

describe("checkTargets", () => {
  it("resolves every distinct target in rule order, typed, and closes what it opened", async () => {
    const cfg = config(
      DEMO,
      [
        "{ environment: demo, stack: shop, service: frontend }",
        "{ environment: demo, stack: shop, service: frontend, sidekick: NGINX }",
      ],
      [
        "{ environment: demo, stack: Shop, service: Frontend }",
        "{ environment: demo, stack: shop, service: api }",
        "{ environment: demo, stack: shop, service: frontend, sidekick: envoy }",
      ],
    );
    const frontend = service("1s1", "docker:shop/frontend:1.0.0", [
      { name: "nginx", imageUuid: "docker:nginx:1.25" },
    ]);
    const { connect, opened } = connector({ demo: fakeBackend("demo", { "shop/frontend": frontend }) });

    const result = await checkTargets({ config: cfg, connect, timeoutMs: 5_000 });

    expect(result.failed).toBe(2);
    expect(result.checks).toEqual([
      {
        ok: true,
        key: "demo/shop/frontend",
        target: { environment: "demo", stack: "shop", service: "frontend" },
        serviceId: "1s1",
        state: "active",
        image: "docker:shop/frontend:1.0.0",
      },
      {
        ok: true,
        key: "demo/shop/frontend/NGINX",
        target: { environment: "demo", stack: "shop", service: "frontend", sidekick: "NGINX" },
        serviceId: "1s1",
        state: "active",
        sidekick: "nginx",
        image: "docker:nginx:1.25",
      },
      {
        ok: false,
        key: "demo/shop/api",
        target: { environment: "demo", stack: "shop", service: "api" },
        reason: 'service "api" not found in stack "shop"',
      },
      {
        ok: false,
        key: "demo/shop/frontend/envoy",
        target: { environment: "demo", stack: "shop", service: "frontend", sidekick: "envoy" },
        reason: 'sidekick "envoy" not found on service "frontend" in stack "shop" (its sidekicks: nginx)',
      },
    ]);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ environment: "demo", closed: 1 });
    expect(opened[0]!.limits).toMatchObject({ retry: CHECK_RETRY, maxRequestTimeoutMs: 5_000 });
  });

  it("fails every target of an environment whose credentials are refused, naming the server without secrets", async () => {
    const cfg = config(`${PROD}\n${DEMO}`, [
      "{ environment: prod, stack: shop, service: frontend }",
      "{ environment: demo, stack: shop, service: frontend }",
      "{ environment: prod, stack: shop, service: worker }",
    ]);
    const refused = fakeBackend(
      "prod",
      {},
      {
        resolveProjectId: () =>
          Promise.reject(new RancherAuthError('Rancher refused the API keys of environment "prod"')),
      },
    );
    const { connect, opened } = connector({
      prod: refused,
      demo: fakeBackend("demo", { "shop/frontend": service("1s9", "docker:x:1") }),
    });

    const result = await checkTargets({ config: cfg, connect, timeoutMs: 5_000 });

    const reason =
      'Rancher refused the API keys of environment "prod" (Rancher at https://rancher.example.com/)';
    expect(
      result.checks.map((check) => (check.ok ? `ok ${check.key}` : `FAIL ${check.key}: ${check.reason}`)),
    ).toEqual([
      `FAIL prod/shop/frontend: ${reason}`,
      "ok demo/shop/frontend",
      `FAIL prod/shop/worker: ${reason}`,
    ]);
    expect(result.failed).toBe(2);
    expect(JSON.stringify(result)).not.toContain("sk-secret-value");
    expect(opened.map((o) => o.closed)).toEqual([1, 1]);
  });

  it("bounds an environment that never answers by the timeout and still closes its connection", async () => {
    const cfg = config(DEMO, ["{ environment: demo, stack: shop, service: frontend }"]);
    const hanging = fakeBackend("demo", {}, { resolveProjectId: () => new Promise<string>(() => undefined) });
    const { connect, opened } = connector({ demo: hanging });

    const result = await checkTargets({ config: cfg, connect, timeoutMs: 20 });

    expect(result.checks).toEqual([
      expect.objectContaining({
        ok: false,
        reason: 'no answer from Rancher (simulator "default") for environment "demo" within 20 ms',
      }),
    ]);
    expect(opened[0]?.closed).toBe(1);
  });

  it("reports a connection that cannot be built as that environment's failure", async () => {
    const cfg = config(DEMO, ["{ environment: demo, stack: shop, service: frontend }"]);

    const result = await checkTargets({
      config: cfg,
      connect: () => Promise.reject(new Error("simulator environments are not available here")),
      timeoutMs: 1_000,
    });

    expect(result).toEqual({
      failed: 1,
      checks: [
        expect.objectContaining({
          ok: false,
          reason: 'environment "demo" (simulator "default"): simulator environments are not available here',
        }),
      ],
    });
  });
});
