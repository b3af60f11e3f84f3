import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { configShowCommand } from "../../src/cli/config-show-command.js";
import { listen } from "../../src/http/index.js";
import { createTestIo } from "../helpers/cli-io.js";
import { createTestApp } from "../helpers/test-app.js";

const TOKEN = "admin-token-for-cli-tests-000001";
const BEARER = "registry-bearer-0123456789";
const CONFIG = `storage: { path: ":memory:" }
environments:
  demo: { simulator: default }
sources:
  registry: { bearer: ${BEARER} }
`;

let app: App | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.close();
  await app?.close();
});

async function start(): Promise<string> {
  app = createTestApp(CONFIG, { adminToken: TOKEN }).app;
  server = createServer(app.http);
  return `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
}

describe("drover config show", () => {
  it("shows the config a running drover uses, as text and as JSON, never a value", async () => {
    const url = await start();
    const text = createTestIo({ DROVER_URL: url, DROVER_ADMIN_TOKEN: TOKEN });
    const json = createTestIo({ DROVER_URL: url, DROVER_ADMIN_TOKEN: TOKEN });

    expect(await configShowCommand.run([], text)).toBe(0);
    expect(await configShowCommand.run(["--json"], json)).toBe(0);

    expect(text.out()).toMatch(
      /^file: +drover\.yml\nhash: +[0-9a-f]{64}\nloaded: +\S+\nreloads: +0 \(0 refused\)\nenvironments: +demo\nsources: +registry\nrules: +0\n$/,
    );
    expect(JSON.parse(json.out())).toMatchObject({
      file: "drover.yml",
      environments: ["demo"],
      sources: ["registry"],
    });
    expect(text.out() + json.out()).not.toContain(BEARER);
  });
});
