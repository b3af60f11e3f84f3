import { describe, expect, it } from "vitest";
import { loadConfig, restartOnlyChanges, type Config } from "../../src/config/index.js";

const BASE = `storage: { path: ":memory:" }\nenvironments:\n  demo: { simulator: default }\n`;

function config(extra: string): Config {
  return loadConfig({ file: "drover.yml", env: {}, readFile: () => `${BASE}${extra}` }).config;
}

describe("restartOnlyChanges", () => {
  it("names the server and storage settings a reload cannot apply", () => {
    const before = config("server: { bodyLimit: 1mb, rateLimit: { window: 1m, max: 600 } }\n");
    const after = config(
      "server: { bodyLimit: 100, rateLimit: { window: 1m, max: 2 }, port: 9000 }\nadmin: { readOpen: true }\n",
    );

    expect(restartOnlyChanges(before, after)).toEqual([
      "server.port",
      "server.bodyLimit",
      "server.rateLimit",
    ]);
    expect(restartOnlyChanges(before, before)).toEqual([]);
    expect(restartOnlyChanges(config(""), config("admin: { readOpen: true }\n"))).toEqual([]);
  });
});
