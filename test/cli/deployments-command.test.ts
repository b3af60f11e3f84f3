import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import {
  deploymentsCancelCommand,
  deploymentsListCommand,
  deploymentsRetryCommand,
  deploymentsShowCommand,
} from "../../src/cli/deployments-command.js";
import { AdminApiError, DroverUnreachableError } from "../../src/cli/cli-errors.js";
import { EXIT_USAGE, runCli } from "../../src/cli/index.js";
import type { ConfigHolder } from "../../src/config/index.js";
import { resolveSettings } from "../../src/deploy/index.js";
import type { Deployment, DeployTarget } from "../../src/domain/index.js";
import { UsageError } from "../../src/errors/index.js";
import { listen } from "../../src/http/index.js";
import { createTestIo } from "../helpers/cli-io.js";
import { createTestApp } from "../helpers/test-app.js";

const TOKEN = "admin-token-for-cli-tests-000001";
const CONFIG = `storage: { path: ":memory:" }\nenvironments:\n  demo: { simulator: default }\n`;
const WORKER = "registry.example.com/shop/worker";

let app: App | undefined;
let holder: ConfigHolder | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.close();
  await app?.close();
  app = undefined;
  server = undefined;
});

async function start(text = CONFIG, adminToken: string | null = TOKEN): Promise<string> {
  const built = createTestApp(text, adminToken === null ? {} : { adminToken });
  app = built.app;
  holder = built.configHolder;
  server = createServer(app.http);
  const port = await listen(server, 0, "127.0.0.1");
  return `http://127.0.0.1:${port}`;
}

function seed(tag: string, state: "queued" | "failed" = "queued", service = "worker"): Deployment {
  if (app === undefined || holder === undefined) throw new Error("start() first");
  const target: DeployTarget = { environment: "demo", stack: "shop", service };
  const created = app.core.store.create({
    target,
    image: WORKER,
    tag,
    source: "manual",
    settings: resolveSettings(holder.current.config, target),
  });
  if (state === "queued") return created;
  return app.core.store.transition({
    id: created.id,
    from: "queued",
    to: state,
    detail: "seeded by the test",
  });
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("drover deployments list/show", () => {
  it("lists deployments as an aligned table with a header row", async () => {
    const url = await start();
    const first = seed("2.0.0");
    const second = seed("2.10.0-long-tag", "failed", "api");
    const io = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });

    expect(await deploymentsListCommand.run([], io)).toBe(0);

    const lines = io.out().trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+STATE\s+TARGET\s+IMAGE\s+SOURCE\s+CREATED$/);
    expect(lines[1]).toContain(second.id);
    expect(lines[2]).toContain(first.id);
    // Every column starts at the same offset on every line.
    for (const [header, cells] of [
      ["STATE", ["failed", "queued"]],
      ["TARGET", ["demo/shop/api", "demo/shop/worker"]],
      ["IMAGE", [`${WORKER}:2.10.0-long-tag`, `${WORKER}:2.0.0`]],
      ["SOURCE", ["manual", "manual"]],
    ] as const) {
      const column = lines[0]?.indexOf(header);
      expect(lines[1]?.indexOf(cells[0]), header).toBe(column);
      expect(lines[2]?.indexOf(cells[1]), header).toBe(column);
    }
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it("filters, and prints the admin API's answer with --json", async () => {
    const url = await start();
    const worker = seed("2.0.0");
    seed("3.0.0", "queued", "api");
    const io = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });

    expect(await deploymentsListCommand.run(["--target", "demo/shop/worker", "--json"], io)).toBe(0);

    const page = JSON.parse(io.out()) as { items: { id: string; targetKey: string }[] };
    expect(page.items.map((item) => [item.id, item.targetKey])).toEqual([[worker.id, "demo/shop/worker"]]);
  });

  it("says so when there are none, and prints where the next page starts", async () => {
    const url = await start();
    const none = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });
    expect(await deploymentsListCommand.run([], none)).toBe(0);
    expect(none.out()).toBe("no deployments\n");

    seed("1.0.0");
    seed("1.1.0");
    const paged = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });
    expect(await deploymentsListCommand.run(["--limit", "1"], paged)).toBe(0);
    const cursor = /^more: --cursor (\S+)\n$/.exec(paged.err())?.[1] ?? "";
    const next = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url });
    expect(await deploymentsListCommand.run(["--limit", "1", "--cursor", cursor, "--json"], next)).toBe(0);
    expect((JSON.parse(next.out()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it("shows one deployment with its event log, and as JSON", async () => {
    const url = await start();
    const created = seed("2.0.0");
    app?.core.store.annotate(created.id, "note", "hello from the test");
    const text = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN });
    const json = createTestIo({ DROVER_ADMIN_TOKEN: TOKEN });

    expect(await deploymentsShowCommand.run([created.id, "--url", url], text)).toBe(0);
    expect(await deploymentsShowCommand.run([created.id, "--url", url, "--json"], json)).toBe(0);

    expect(text.out()).toMatch(
      new RegExp(`^id: +${created.id}\\nstate: +queued\\ntarget: +demo/shop/worker\\n`),
    );
    expect(text.out()).toMatch(/\nAT\s+STATE\s+KIND\s+DETAIL\n/);
    expect(text.out()).toContain("hello from the test");
    const body = JSON.parse(json.out()) as { id: string; events: { detail: string }[] };
    expect(body.id).toBe(created.id);
    expect(body.events.map((event) => event.detail)).toContain("hello from the test");
  });

  it("refuses a bad id before sending anything, and names a 404", async () => {
    const url = await start();

    await expect(
      deploymentsShowCommand.run(["../../etc", "--url", url, "--token", TOKEN], createTestIo()),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(deploymentsShowCommand.run(["--url", url], createTestIo())).rejects.toThrow(
      /give a deployment ID/,
    );
    await expect(
      deploymentsShowCommand.run(["d_missing", "--url", url, "--token", TOKEN], createTestIo()),
    ).rejects.toThrow(/^drover answered 404: ERR_DEPLOYMENT_NOT_FOUND /);
  });

  it("reads without a token from a server whose config opens reads (admin.readOpen)", async () => {
    const url = await start(`${CONFIG}admin: { readOpen: true }\n`);
    seed("2.0.0");
    const io = createTestIo({ DROVER_URL: url });

    expect(await deploymentsListCommand.run([], io)).toBe(0);
    expect(io.out()).toMatch(/^ID .*\nd_\w+\s+queued\s+demo\/shop\/worker/);
  });
});

describe("drover deployments cancel/retry", () => {
  it("cancels a queued deployment and retries it as a new one", async () => {
    const url = await start();
    const queued = seed("2.0.0");
    const env = { DROVER_ADMIN_TOKEN: TOKEN, DROVER_URL: url };
    const cancel = createTestIo(env);
    const retry = createTestIo(env);

    expect(await deploymentsCancelCommand.run([queued.id], cancel)).toBe(0);
    expect(cancel.out()).toMatch(new RegExp(`^ID\\s+STATE.*\\n${queued.id}\\s+canceled\\s+demo/shop/worker`));
    expect(app?.core.store.get(queued.id)?.state).toBe("canceled");

    expect(await deploymentsRetryCommand.run([queued.id, "--json"], retry)).toBe(0);
    const again = JSON.parse(retry.out()) as { id: string; parentId?: string; tag: string };
    expect(again.id).not.toBe(queued.id);
    expect(again).toMatchObject({ parentId: queued.id, tag: "2.0.0" });
  });

  it("passes on drover's refusal (409) with its reason", async () => {
    const url = await start();
    const queued = seed("2.0.0");

    await expect(
      deploymentsRetryCommand.run([queued.id, "--url", url, "--token", TOKEN], createTestIo()),
    ).rejects.toThrow(/^drover answered 409: ERR_STORE_CONFLICT .*this one is queued/);
  });
});

describe("admin API errors", () => {
  it("names the cause when nothing listens: connection refused, and how to point elsewhere", async () => {
    const port = await closedPort();
    const io = createTestIo({ DROVER_URL: `http://127.0.0.1:${port}`, DROVER_ADMIN_TOKEN: TOKEN });

    const error = await deploymentsListCommand.run([], io).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DroverUnreachableError);
    expect((error as Error).message).toBe(
      `cannot reach drover at http://127.0.0.1:${port}: connection refused — is \`drover serve\` running? (set --url or DROVER_URL)`,
    );
    const cli = createTestIo({ DROVER_URL: `http://127.0.0.1:${port}`, DROVER_ADMIN_TOKEN: TOKEN });
    expect(await runCli(["deployments", "list"], cli)).toBe(1);
    expect(cli.err()).toMatch(/^drover: cannot reach drover at .*: connection refused/);
    expect(cli.err()).not.toContain(TOKEN);
  });

  it("refuses a --url that is not a URL as a usage error", async () => {
    await expect(deploymentsListCommand.run(["--url", "drover:8090"], createTestIo())).rejects.toBeInstanceOf(
      UsageError,
    );
    const io = createTestIo({ DROVER_URL: "not a url" });
    expect(await runCli(["deployments", "list"], io)).toBe(EXIT_USAGE);
    expect(io.err()).toMatch(
      /^drover deployments list: "not a url" is not an http\(s\) URL \(set --url or DROVER_URL\)/,
    );
  });

  it("names a port fetch refuses to use", async () => {
    await expect(deploymentsListCommand.run(["--url", "http://127.0.0.1:9"], createTestIo())).rejects.toThrow(
      "cannot reach drover at http://127.0.0.1:9: fetch refuses that port (a blocked port; use another)",
    );
  });

  it("explains a 401: no token given, a wrong token (naming where it came from), no token on the server", async () => {
    const url = await start();
    const wrong = "wrong-token-wrong-token";

    const missing = await deploymentsListCommand.run(["--url", url], createTestIo()).catch((e: unknown) => e);
    const fromFlag = await deploymentsListCommand
      .run(["--url", url, "--token", wrong], createTestIo())
      .catch((e: unknown) => e);
    const fromEnv = await deploymentsListCommand
      .run(["--url", url], createTestIo({ DROVER_ADMIN_TOKEN: wrong }))
      .catch((e: unknown) => e);

    expect(missing).toBeInstanceOf(AdminApiError);
    expect((missing as Error).message).toBe(
      `drover at ${url} needs an admin token (401) and none was given — set DROVER_ADMIN_TOKEN or pass --token`,
    );
    expect((fromFlag as Error).message).toMatch(/refused the admin token from --token \(401: wrong token\)/);
    expect((fromEnv as Error).message).toMatch(/refused the admin token from DROVER_ADMIN_TOKEN \(401/);
    for (const error of [fromFlag, fromEnv]) expect((error as Error).message).not.toContain(wrong);

    server?.close();
    await app?.close();
    const unset = await start(CONFIG, null);
    const noServerToken = await deploymentsCancelCommand
      .run(["d_x", "--url", unset, "--token", TOKEN], createTestIo())
      .catch((e: unknown) => e);
    expect((noServerToken as Error).message).toMatch(
      /^drover at .* has no admin token configured, so it refuses calls that need one — set DROVER_ADMIN_TOKEN/,
    );
  });

  it("says when the URL answers something that is not drover", async () => {
    const other = createServer((_req, res) => res.end("<html>hello</html>"));
    const port = await listen(other, 0, "127.0.0.1");
    try {
      await expect(
        deploymentsListCommand.run(["--url", `http://127.0.0.1:${port}/`], createTestIo()),
      ).rejects.toThrow(`http://127.0.0.1:${port} answered 200 without JSON — is it drover's address?`);
    } finally {
      other.close();
    }
  });

  it("exits 2 for a usage error of a client command, before any request", async () => {
    const io = createTestIo({ DROVER_URL: "http://127.0.0.1:1" });

    expect(await runCli(["deployments", "cancel"], io)).toBe(EXIT_USAGE);
    expect(io.err()).toMatch(/^drover deployments cancel: give a deployment ID/);
  });
});
