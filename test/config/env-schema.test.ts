import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema, readProcessSettings } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors/index.js";

describe("readProcessSettings", () => {
  it("applies defaults and coerces the port", () => {
    expect(readProcessSettings({ DROVER_PORT: "9000", UNRELATED: "x" })).toEqual({
      DROVER_CONFIG: "config/drover.yml",
      DROVER_PORT: 9000,
      LOG_LEVEL: "info",
    });
  });

  it("lists every bad variable", () => {
    let caught: unknown;
    try {
      readProcessSettings({ DROVER_PORT: "eighty", LOG_LEVEL: "loud" });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((issue) => issue.path).sort()).toEqual([
      "DROVER_PORT",
      "LOG_LEVEL",
    ]);
  });

  it("is documented: README's environment table lists exactly the schema's variables", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.split("### Environment variables")[1]?.split("\n### ")[0] ?? "";
    const documented = [...section.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|/gm)].map((match) => match[1]);

    expect(documented.sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});
