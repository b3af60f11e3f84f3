import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors/index.js";
import { createSources } from "../../src/sources/index.js";

const long = (char: string, length = 32) => char.repeat(length);

describe("createSources", () => {
  it("creates only the configured sources, keyed by route name", () => {
    const sources = createSources({ registry: { bearer: long("b") }, ghcr: { webhookSecret: long("g") } });

    expect([...sources.keys()]).toEqual(["registry", "ghcr"]);
    expect(sources.get("registry")?.name).toBe("registry");
  });

  it("creates all six sources", () => {
    const sources = createSources({
      dockerhub: { token: long("d") },
      registry: { bearer: long("b") },
      ci: { jwtSecret: long("s") },
      harbor: { token: long("h") },
      quay: { token: long("q") },
      ghcr: { webhookSecret: long("g") },
    });

    expect([...sources.keys()].sort()).toEqual(["ci", "dockerhub", "ghcr", "harbor", "quay", "registry"]);
  });

  it("creates the CI source from the public key text the caller read", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const publicKeyText = publicKey.export({ type: "spki", format: "pem" }).toString();

    const sources = createSources({ ci: { jwtPublicKeyFile: "/run/secrets/ci.pub" } }, { publicKeyText });

    expect(sources.get("ci")?.contentTypes).toEqual(["application/json"]);
  });

  it.each([
    ["a public key file whose text was not passed", { jwtPublicKeyFile: "/run/secrets/ci.pub" }],
    ["neither secret nor key", {}],
    ["both secret and key", { jwtSecret: long("s"), jwtPublicKeyFile: "/run/secrets/ci.pub" }],
  ])("refuses CI settings with %s", (_name, ci) => {
    expect(() => createSources({ ci })).toThrow(ConfigError);
  });

  it("creates nothing when no source is configured", () => {
    expect(createSources({}).size).toBe(0);
  });
});
