import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { deploymentsListCommand, deploymentsShowCommand } from "../../src/cli/deployments-command.js";
import { resolveSettings } from "../../src/deploy/index.js";
import { UsageError } from "../../src/errors/index.js";
import { listen } from "../../src/http/index.js";
import { createTestIo } from "../helpers/cli-io.js";
import { createTestApp } from "../helpers/test-app.js";

const TOKEN = "admin-token-for-cli-tests-000001";
const CONFIG = `storage: { path: ":memory:" }\nenvironments:\n  demo: { simulator: default }\n`;

let app: App | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.close();
  await app?.close();
});

async function start(text = CONFIG): Promise<string> {
  const built = createTestApp(text, { adminToken: TOKEN });
  app = built.app;
  const holder = built.configHolder;
  const target = { environment: "demo", stack: "shop", service: "worker" };
  const created = app.core.store.create({
    target,
    image: "registry.example.com/shop/worker",
    tag: "2.0.0",
    source: "manual",
    settings: resolveSettings(holder.current.config, target),
  });
  app.core.store.annotate(created.id, "note", "hello from the test");
  server = createServer(app.http);
  const port = await listen(server, 0, "127.0.0.1");
  return `http://127.0.0.1:${port}`;
}

describe("drover deployments", () => {
  it("lists and shows deployments through the admin API", async () => {
    const url = await start();
    const io = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });

    expect(await deploymentsListCommand.run(["--target", "demo/shop/worker"], io)).toBe(0);
    const id = /^(d_\w+)/.exec(io.out())?.[1] ?? "";
    expect(io.out()).toMatch(
      /queued\s+demo\/shop\/worker {2}registry\.example\.com\/shop\/worker:2\.0\.0 {2}manual/,
    );
    const show = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN });
    expect(await deploymentsShowCommand.run([id, "--url", url], show)).toBe(0);
    expect(show.out()).toContain("hello from the test");
  });

  it("fails clearly without a token, with a wrong one, and for a bad id", async () => {
    const url = await start();

    await expect(deploymentsListCommand.run(["--url", url], createTestIo())).rejects.toThrow(
      /^drover answered 401: ERR_AUTH .*\(no admin token given: set DROVER_ADMIN_TOKEN or pass --token\)$/,
    );
    await expect(
      deploymentsListCommand.run(["--url", url, "--token", "wrong-token-wrong-token"], createTestIo()),
    ).rejects.toThrow(/401/);
    await expect(
      deploymentsShowCommand.run(["../../etc", "--url", url, "--token", TOKEN], createTestIo()),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      deploymentsShowCommand.run(["d_missing", "--url", url, "--token", TOKEN], createTestIo()),
    ).rejects.toThrow(/404/);
  });

  it("reads without a token from a server whose config opens reads (admin.readOpen)", async () => {
    const url = await start(`${CONFIG}admin: { readOpen: true }\n`);
    const io = createTestIo({ DROVER_URL: url });

    expect(await deploymentsListCommand.run([], io)).toBe(0);
    expect(io.out()).toMatch(/^d_\w+\s+queued\s+demo\/shop\/worker/);
  });
});
