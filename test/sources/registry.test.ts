import { describe, expect, it } from "vitest";
import { SOURCE_SETTINGS } from "../../src/config/index.js";
import { createSources, SOURCES, sourceDescriptor } from "../../src/sources/index.js";

const long = (char: string, length = 32) => char.repeat(length);

/** Valid settings for every registered source. */
const SETTINGS = {
  dockerhub: { token: long("d") },
  registry: { bearer: long("b") },
  ci: { jwtSecret: long("s") },
  harbor: { token: long("h") },
  quay: { token: long("q") },
  ghcr: { webhookSecret: long("g") },
} as const;

describe("the sources registry", () => {
  it("has one descriptor per settings schema, in the config's order, with the config's schema", () => {
    expect(SOURCES.map((source) => source.name)).toEqual(Object.keys(SOURCE_SETTINGS));
    for (const descriptor of SOURCES) {
      expect(descriptor.settings).toBe(SOURCE_SETTINGS[descriptor.name]);
      expect(sourceDescriptor(descriptor.name)).toBe(descriptor);
    }
  });

  it("gives each created source the descriptor's name and ?wait support (only CI waits)", () => {
    const sources = createSources(SETTINGS);
    for (const descriptor of SOURCES) {
      const source = sources.get(descriptor.name);
      expect(source?.name).toBe(descriptor.name);
      expect(source?.supportsWait).toBe(descriptor.supportsWait);
    }
    expect(SOURCES.filter((source) => source.supportsWait).map((source) => source.name)).toEqual(["ci"]);
  });

  it("validates each source's settings with its schema (secret fields keep their names)", () => {
    for (const descriptor of SOURCES) {
      expect(descriptor.settings.safeParse(SETTINGS[descriptor.name]).success).toBe(true);
      expect(descriptor.settings.safeParse({ ...SETTINGS[descriptor.name], extra: 1 }).success).toBe(false);
    }
    expect(SOURCE_SETTINGS.registry.safeParse({ bearer: "short" }).success).toBe(false);
  });
});
