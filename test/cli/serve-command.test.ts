import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serveCommand } from "../../src/cli/serve-command.js";
import { ConfigError, UsageError } from "../../src/errors/index.js";
import { createTestIo } from "../helpers/cli-io.js";
import { trickleBody } from "../helpers/trickle-body.js";

const yaml = (tag: string): string =>
  `storage: { path: ":memory:" }\nenvironments:\n  demo: { simulator: default }\nrules:\n  - image: shop/web\n    tags: { exact: ${tag} }\n    targets: [{ environment: demo, stack: shop, service: web }]\n`;

function tempConfig(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "drover-serve-")), "drover.yml");
  writeFileSync(file, content);
  return file;
}

describe("serveCommand", () => {
  it("listens, answers /healthz, reloads on SIGHUP and stops with 0 on SIGTERM", async () => {
    const file = tempConfig(yaml("v1"));
    const io = createTestIo({ LOG_LEVEL: "info" });

    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    const listening = await io.waitForLog("listening");
    const base = `http://127.0.0.1:${String(listening["port"])}`;
    const health = await fetch(`${base}/healthz`);
    writeFileSync(file, yaml("v2"));
    io.signals.emit("SIGHUP");
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { config: { reloads: number } };
    io.signals.emit("SIGTERM");
    const code = await running;

    expect(health.status).toBe(200);
    expect(ready.config.reloads).toBe(1);
    expect(code).toBe(0);
    expect(io.out()).toContain('"msg":"stopped"');
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it("keeps serving on the old config when a reloaded file is invalid", async () => {
    const file = tempConfig(yaml("v1"));
    const io = createTestIo();

    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    const listening = await io.waitForLog("listening");
    writeFileSync(file, "environments: [oops\n");
    io.signals.emit("SIGHUP");
    const res = await fetch(`http://127.0.0.1:${String(listening["port"])}/readyz`);
    const body = (await res.json()) as { config: { rejectedReloads: number; reloads: number } };
    io.signals.emit("SIGINT");

    expect(res.status).toBe(200);
    expect(body.config).toMatchObject({ rejectedReloads: 1, reloads: 0 });
    expect(await running).toBe(0);
  });

  it("refuses to start with a ConfigError naming the setting when the CI public key file is missing", async () => {
    const file = tempConfig(`${yaml("v1")}sources:\n  ci: { jwtPublicKeyFile: keys/missing-ci.pub }\n`);

    const failure = serveCommand.run(
      ["--config", file, "--port", "0", "--host", "127.0.0.1"],
      createTestIo(),
    );

    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toMatchObject({
      issues: [
        {
          path: "sources.ci.jwtPublicKeyFile",
          message: expect.stringMatching(
            /cannot read the public key file .*keys\/missing-ci\.pub \(ENOENT\)/,
          ),
        },
      ],
    });
  });

  it("closes a connection whose request body trickles in slower than server.requestTimeout", async () => {
    const file = tempConfig(
      `server: { headersTimeout: 200ms, requestTimeout: 300ms }\nsources:\n  registry: { bearer: registry-bearer-0123456789 }\n${yaml("v1")}`,
    );
    const io = createTestIo();
    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    const port = Number((await io.waitForLog("listening"))["port"]);

    const { answer, bytesSent } = await trickleBody(port, "/hooks/registry");
    const health = await fetch(`http://127.0.0.1:${String(port)}/healthz`);
    io.signals.emit("SIGTERM");

    expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
    expect(bytesSent).toBeLessThan(100_000);
    expect(health.status).toBe(200);
    expect(await running).toBe(0);
  });

  it("logs at start one line per environment and source, and warns when no admin token is set", async () => {
    const file = tempConfig(
      `storage: { path: ":memory:" }
environments:
  demo: { simulator: default }
  prod:
    url: "https://rancher.example.com/v2-beta?token=very-secret-query"
    project: Default
    accessKey: AK0123456789
    secretKey: SK0123456789abcdef
sources:
  registry: { bearer: registry-bearer-0123456789 }
  dockerhub: { token: dockerhub-token-0123456789 }
`,
    );
    const io = createTestIo();
    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    await io.waitForLog("listening");
    io.signals.emit("SIGTERM");
    expect(await running).toBe(0);

    const lines = io
      .out()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    const messages = lines.map((line) => `${line.level} ${line.msg}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "info environment prod: Rancher https://rancher.example.com/v2-beta?token=[Redacted] (project Default)",
        "info environment demo: simulator (seed default)",
        "info source registry: POST /hooks/registry",
        "info source dockerhub: POST /hooks/dockerhub/<token>",
        "warn admin token not set: admin writes disabled (set DROVER_ADMIN_TOKEN or DROVER_ADMIN_TOKEN_FILE)",
      ]),
    );
    expect(io.out()).not.toMatch(/very-secret-query|dockerhub-token-0123456789|SK0123456789abcdef/);
  });

  it("says the admin token is set, and writes human lines with LOG_FORMAT=pretty", async () => {
    const file = tempConfig(yaml("v1"));
    const token = "serve-admin-token-0123456789";
    const io = createTestIo({ DROVER_ADMIN_TOKEN: token, LOG_FORMAT: "pretty" });
    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    for (let i = 0; i < 200 && !io.out().includes(" listening "); i += 1)
      await new Promise((r) => setImmediate(r));
    io.signals.emit("SIGTERM");
    expect(await running).toBe(0);

    expect(io.out()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  environment demo: simulator \(seed default\)/m);
    expect(io.out()).toMatch(/INFO {2}admin token set: admin API enabled, reads need the token/);
    expect(io.out()).not.toContain("{");
    expect(io.out()).not.toContain("\u001b[");
    expect(io.out()).not.toContain(token);
  });

  it("throws a UsageError on unknown flags and bad ports", async () => {
    const io = createTestIo();

    await expect(serveCommand.run(["--bogus"], io)).rejects.toBeInstanceOf(UsageError);
    await expect(serveCommand.run(["--port", "http"], io)).rejects.toBeInstanceOf(UsageError);
  });

  it("prints help with --help", async () => {
    const io = createTestIo();

    expect(await serveCommand.run(["--help"], io)).toBe(0);
    expect(io.out()).toMatch(/^Usage: drover serve/);
  });
});
