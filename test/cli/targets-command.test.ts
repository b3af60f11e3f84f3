import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { targetsListCommand, targetsRollbackCommand } from "../../src/cli/targets-command.js";
import type { ConfigHolder } from "../../src/config/index.js";
import { resolveSettings } from "../../src/deploy/index.js";
import type { DeployTarget } from "../../src/domain/index.js";
import { UsageError } from "../../src/errors/index.js";
import { listen } from "../../src/http/index.js";
import { createTestIo } from "../helpers/cli-io.js";
import { createTestApp } from "../helpers/test-app.js";

const TOKEN = "admin-token-for-cli-tests-000001";
const FRONTEND = "registry.example.com/shop/frontend";
const CONFIG = `storage: { path: ":memory:" }
environments:
  demo: { simulator: default }
rules:
  - image: ${FRONTEND}
    tags: { glob: "*" }
    targets: [{ environment: demo, stack: shop, service: frontend }]
`;

let app: App | undefined;
let holder: ConfigHolder | undefined;
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  await app?.close();
  app = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
}

async function startApp(): Promise<string> {
  const built = createTestApp(CONFIG, { adminToken: TOKEN });
  app = built.app;
  holder = built.configHolder;
  return serve(app.http);
}

/** A server answering `GET /api/targets` with items of the shape of docs (TargetView), one per RancherView kind. */
function targetsServer(seen: IncomingMessage[]): Promise<string> {
  const at = "2026-12-02T10:00:00.000Z";
  const items = [
    {
      target: "prod/shop/api",
      environment: "prod",
      stack: "shop",
      service: "api",
      rancher: { status: "unreachable", reason: "connect ECONNREFUSED 10.0.0.5:8080", observedAt: at },
    },
    {
      target: "prod/shop/frontend",
      environment: "prod",
      stack: "shop",
      service: "frontend",
      rancher: {
        status: "known",
        image: `${FRONTEND}:1.4.2`,
        serviceState: "active",
        healthState: "healthy",
        healthy: 3,
        total: 3,
        containers: [],
        observedAt: at,
      },
      currentImage: `${FRONTEND}:1.4.2`,
      lastDeployedImage: `${FRONTEND}:1.4.2`,
      lastDeployment: { id: "d_01JABCDEF", state: "succeeded", image: `${FRONTEND}:1.4.2`, updatedAt: at },
    },
    {
      target: "prod/shop/gone",
      environment: "prod",
      stack: "shop",
      service: "gone",
      rancher: { status: "missing", observedAt: at },
    },
    {
      target: "prod/shop/worker",
      environment: "prod",
      stack: "shop",
      service: "worker",
      rancher: {
        status: "known",
        image: "registry.example.com/shop/worker:2.0.0",
        serviceState: "upgrading",
        healthState: null,
        healthy: 1,
        total: 2,
        containers: [],
        observedAt: at,
      },
      lastDeployment: { id: "d_01JWORKER", state: "upgrading", image: "x:2.0.0", updatedAt: at },
    },
    {
      target: "prod/shop/new",
      environment: "prod",
      stack: "shop",
      service: "new",
      rancher: { status: "unknown" },
    },
  ];
  return serve((req, res) => {
    seen.push(req);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ items }));
  });
}

describe("drover targets list", () => {
  it("renders what Rancher runs: image or unknown/unreachable/missing, state, healthy/total, last deployment", async () => {
    const seen: IncomingMessage[] = [];
    const url = await targetsServer(seen);
    const io = createTestIo({ DROVER_URL: url, DROVER_ADMIN_TOKEN: TOKEN });

    expect(await targetsListCommand.run([], io)).toBe(0);

    expect(seen.map((req) => [req.method, req.url, req.headers.authorization])).toEqual([
      ["GET", "/api/targets", `Bearer ${TOKEN}`],
    ]);
    const lines = io.out().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TARGET\s+RANCHER\s+STATE\s+HEALTH\s+LAST DEPLOYMENT$/);
    expect(lines.slice(1).map((line) => line.split(/ {2,}/))).toEqual([
      ["prod/shop/api", "unreachable", "-", "-", "-"],
      ["prod/shop/frontend", `${FRONTEND}:1.4.2`, "active (healthy)", "3/3", "d_01JABCDEF succeeded"],
      ["prod/shop/gone", "missing", "-", "-", "-"],
      [
        "prod/shop/worker",
        "registry.example.com/shop/worker:2.0.0",
        "upgrading",
        "1/2",
        "d_01JWORKER upgrading",
      ],
      ["prod/shop/new", "unknown", "-", "-", "-"],
    ]);
    const health = lines[0]?.indexOf("HEALTH");
    expect(lines[2]?.indexOf("3/3")).toBe(health);
    expect(io.err()).toBe("prod/shop/api: Rancher unreachable: connect ECONNREFUSED 10.0.0.5:8080\n");
  });

  it("prints the answer as JSON with --json", async () => {
    const url = await targetsServer([]);
    const io = createTestIo({ DROVER_URL: url });

    expect(await targetsListCommand.run(["--json"], io)).toBe(0);
    const body = JSON.parse(io.out()) as { items: { target: string; rancher: { status: string } }[] };
    expect(body.items.map((item) => item.rancher.status)).toEqual([
      "unreachable",
      "known",
      "missing",
      "known",
      "unknown",
    ]);
  });

  it("lists the targets of a running drover", async () => {
    const url = await startApp();
    const io = createTestIo({ DROVER_URL: url, DROVER_ADMIN_TOKEN: TOKEN });

    expect(await targetsListCommand.run([], io)).toBe(0);
    expect(io.out()).toMatch(
      /^TARGET\s+RANCHER\s+STATE\s+HEALTH\s+LAST DEPLOYMENT\ndemo\/shop\/frontend\s+\S+/,
    );
  });
});

describe("drover targets rollback", () => {
  it("queues the previous image of the target", async () => {
    const url = await startApp();
    if (app === undefined || holder === undefined) throw new Error("no app");
    const target: DeployTarget = { environment: "demo", stack: "shop", service: "frontend" };
    const created = app.core.store.create({
      target,
      image: FRONTEND,
      tag: "1.1.0",
      source: "manual",
      settings: resolveSettings(holder.current.config, target),
    });
    app.core.store.transition({
      id: created.id,
      from: "queued",
      to: "succeeded",
      detail: "seeded by the test",
      patch: { finishedAt: new Date().toISOString(), previousImage: `${FRONTEND}:1.0.0` },
    });
    const io = createTestIo({ DROVER_URL: url, DROVER_ADMIN_TOKEN: TOKEN });

    expect(await targetsRollbackCommand.run(["demo/shop/frontend"], io)).toBe(0);
    expect(io.out()).toMatch(
      new RegExp(`^d_\\w+ \\S+: demo/shop/frontend back to ${FRONTEND}:1\\.0\\.0\\n$`),
    );
  });

  it("refuses a malformed target or a sidekick before sending anything", async () => {
    const io = createTestIo({ DROVER_URL: "http://127.0.0.1:1" });

    await expect(targetsRollbackCommand.run([], io)).rejects.toThrow(
      /give the target as ENV\/STACK\/SERVICE/,
    );
    await expect(targetsRollbackCommand.run(["demo/shop"], io)).rejects.toBeInstanceOf(UsageError);
    await expect(targetsRollbackCommand.run(["demo/shop/web/nginx"], io)).rejects.toThrow(/not a sidekick/);
  });
});
