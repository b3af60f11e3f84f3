import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configCheckCommand } from "../../src/cli/config-check-command.js";
import { serveCommand } from "../../src/cli/serve-command.js";
import { createTestIo } from "../helpers/cli-io.js";

const SECRET_KEY = "rancher-secret-key-Zq81pX";
const FILE_SECRET = "file-held-secret-77Ab";
const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

const VALID = `
storage: { path: ":memory:" }
environments:
  production:
    url: https://rancher.example.com
    project: Default
    accessKey: ak-1234567
    secretKey: \${RANCHER_SECRET_KEY}
rules:
  - image: shop/web
    tags: { exact: latest }
    targets: [{ environment: production, stack: shop, service: web }]
`;

/** The secret also fed, by mistake, to keys whose messages would quote a bad value. */
const MISTAKES = `${VALID.replace("rules:", 'defaults:\n  upgradeTimeout: ${RANCHER_SECRET_KEY}\n  verify: { soak: "x-${FROM_FILE}" }\nserver:\n  bodyLimit: ${SHORT}\nrules:')}
  - image: shop/api
    tags: { exact: latest }
    targets: [{ environment: "\${RANCHER_SECRET_KEY}", stack: shop, service: api }]
`;

function setUp(): { file: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "drover-config-secrets-"));
  const secretFile = join(dir, "secret.txt");
  writeFileSync(secretFile, `${FILE_SECRET}\n`);
  const env = {
    RANCHER_SECRET_KEY: SECRET_KEY,
    FROM_FILE_FILE: secretFile,
    SHORT: "ab",
    DROVER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: "trace",
  };
  return { file: join(dir, "drover.yml"), env };
}

function expectNoExpandedValues(text: string): void {
  expect(text).not.toContain(SECRET_KEY);
  expect(text).not.toContain(FILE_SECRET);
  expect(text).not.toContain('"ab"');
}

describe("config validation messages", () => {
  it("drover config check names ${VAR} instead of printing the value it expanded to", async () => {
    const { file, env } = setUp();
    writeFileSync(file, MISTAKES);
    const io = createTestIo(env);

    expect(await configCheckCommand.run([file], io)).toBe(1);

    const output = io.out() + io.err();
    expectNoExpandedValues(output);
    expect(output).toMatch(
      /defaults\.upgradeTimeout: the value of \$\{RANCHER_SECRET_KEY\} is not a duration/,
    );
    expect(output).toMatch(/defaults\.verify\.soak: the value of x-\$\{FROM_FILE\} is not a duration/);
    expect(output).toMatch(/server\.bodyLimit: the value of \$\{SHORT\} is not a size/);
    expect(output).toMatch(
      /rules\[1\]\.targets\[0\]\.environment: environment the value of \$\{RANCHER_SECRET_KEY\} is not defined/,
    );
    expect(output).toContain("4 problems found");
  });

  it("a rejected reload shows neither in GET /api/config nor in the logs the expanded values", async () => {
    const { file, env } = setUp();
    writeFileSync(file, VALID);
    const io = createTestIo(env);
    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    const base = `http://127.0.0.1:${String((await io.waitForLog("listening"))["port"])}`;

    writeFileSync(file, MISTAKES);
    io.signals.emit("SIGHUP");
    await io.waitForLog("config reload rejected, keeping the previous config");
    const answer = await fetch(`${base}/api/config`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = (await answer.json()) as { lastRejected?: { problems: string[] } };
    io.signals.emit("SIGTERM");
    await running;

    expect(answer.status).toBe(200);
    const problems = body.lastRejected?.problems ?? [];
    expect(problems).toHaveLength(4);
    expectNoExpandedValues(JSON.stringify(body));
    expect(problems.join("\n")).toContain("the value of ${RANCHER_SECRET_KEY} is not a duration");
    const logs = io.out() + io.err();
    expect(logs).toContain("config reload rejected");
    expectNoExpandedValues(logs);
  });
});
