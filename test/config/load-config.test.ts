import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { ConfigError, formatConfigIssue } from "../../src/errors/index.js";

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

const VALID_ENV = {
  RANCHER_ACCESS_KEY: "AK-0123456789",
  RANCHER_SECRET_KEY: "SK-super-secret-value-42",
  REGISTRY_HOOK_TOKEN: "registry-token-abcdefghijkl",
};

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("loads a valid file, applies defaults and expands ${VAR}", () => {
    const loaded = loadConfig({
      file: fixture("valid.yml"),
      env: VALID_ENV,
      now: () => new Date("2026-01-02T03:04:05Z"),
    });

    const production = loaded.config.environments["production"];
    expect(production).toMatchObject({
      url: "https://rancher.example.com",
      secretKey: "SK-super-secret-value-42",
      requestTimeout: 10_000,
    });
    expect(loaded.config.defaults.upgradeTimeout).toBe(5_400_000);
    expect(loaded.config.defaults.verify).toEqual({ soak: 15_000, timeout: 300_000 });
    expect(loaded.config.defaults.strategy).toEqual({
      batchSize: 1,
      intervalMillis: 2_000,
      startFirst: false,
    });
    expect(loaded.config.server).toMatchObject({ port: 8090, bodyLimit: 1_048_576 });
    expect(loaded.config.rules[0]?.targets[1]).toMatchObject({
      sidekick: "nginx",
      strategy: { batchSize: 2 },
    });
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.loadedAt).toBe("2026-01-02T03:04:05.000Z");
    expect(loaded.secrets).toEqual(expect.arrayContaining(Object.values(VALID_ENV)));
    expect(Object.isFrozen(loaded.config.rules[0]?.targets)).toBe(true);
  });

  it("reports an unknown key, an undefined environment and an unset variable together, with lines", () => {
    const error = configErrorOf(() =>
      loadConfig({ file: fixture("three-mistakes.yml"), env: { RANCHER_ACCESS_KEY: "ak-123456" } }),
    );

    const lines = error.issues.map(formatConfigIssue);
    expect(error.code).toBe("ERR_CONFIG_INVALID");
    expect(error.issues).toHaveLength(3);
    expect(lines[0]).toMatch(
      /three-mistakes\.yml:6:16: environments\.production\.secretKey: environment variable DROVER_TEST_UNSET_SECRET is not set/,
    );
    expect(lines[1]).toMatch(
      /three-mistakes\.yml:11:24: rules\[0\]\.targets\[0\]\.environment: environment "staging" is not defined/,
    );
    expect(lines[2]).toMatch(/three-mistakes\.yml:12:5: rules\[0\]\.tagz: unknown key "tagz"/);
  });

  it("reports every bad value at once, each at its line", () => {
    const error = configErrorOf(() => loadConfig({ file: fixture("bad-values.yml"), env: {} }));

    const byPath = new Map(error.issues.map((issue) => [issue.path, issue]));
    expect([...byPath.keys()]).toEqual(
      expect.arrayContaining([
        "server.port",
        "server.bodyLimit",
        "environments.prod.url",
        "environments.prod.secretKey",
        "defaults.upgradeTimeout",
        "defaults.onFailure",
        "rules[0].tags.semver",
        "rules[0].targets",
        "rules[1].tags.regex",
        "rules[1].targets[1]",
        "rules[2].tags",
      ]),
    );
    expect(byPath.get("server.port")?.line).toBe(2);
    expect(byPath.get("environments.prod.secretKey")?.message).toBe('missing required key "secretKey"');
    expect(byPath.get("environments.prod.secretKey")?.line).toBe(7);
    expect(byPath.get("rules[1].targets[1]")?.message).toMatch(/same target appears twice/);
    expect(byPath.get("rules[2].tags")?.message).toMatch(/exactly one of exact, glob, regex or semver/);
  });

  it("rejects unknown YAML tags, which the yaml package reports only as warnings", () => {
    const error = configErrorOf(() => loadConfig({ file: fixture("unknown-tag.yml"), env: {} }));

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ line: 4, message: expect.stringMatching(/TAG_RESOLVE_FAILED/) });
  });

  it("rejects duplicate keys", () => {
    const error = configErrorOf(() => loadConfig({ file: fixture("duplicate-key.yml"), env: {} }));

    expect(error.issues[0]).toMatchObject({ line: 3, message: expect.stringMatching(/DUPLICATE_KEY/) });
  });

  it("rejects malformed YAML with a position", () => {
    const error = configErrorOf(() => loadConfig({ file: fixture("malformed.yml"), env: {} }));

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it.each([
    [
      "an unclosed [",
      "environments: [oops\n",
      1,
      15,
      /the "\[" opened here is never closed/,
      /close it with \]/,
    ],
    [
      "an unclosed quote (not the brackets it swallows)",
      'environments:\n  demo: { simulator: "default }\nrules: []\n',
      2,
      22,
      /the double quote opened here is never closed/,
      /close it with "/,
    ],
    [
      "keys at different columns",
      "environments:\n  demo:\n    simulator: default\n   bad: 1\nrules: []\n",
      4,
      1,
      /BAD_INDENT/,
      /same number of spaces/,
    ],
    [
      "a tab as indentation",
      "environments:\n\tdemo: {simulator: default}\n",
      2,
      1,
      /TAB_AS_INDENT/,
      /not tabs/,
    ],
    [
      "an unquoted ${VAR} in a flow mapping (a cascade of errors in yaml)",
      "environments:\n  prod: { url: https://x, project: P, accessKey: ${AK}, secretKey: ${SK} }\n",
      2,
      51,
      /UNEXPECTED_TOKEN/,
      /quote the value \("\$\{VAR\}"\)/,
    ],
    [
      "a value with ': ' in it",
      "environments:\n  demo: { simulator: default }\nrules:\n  - image: a:b: c\n",
      4,
      12,
      /BLOCK_AS_IMPLICIT_KEY/,
      /quote a value that contains/,
    ],
  ])(
    "reports %s as one problem where it is, with a hint about it only",
    (_what, text, line, col, message, hint) => {
      const error = configErrorOf(() => loadConfig({ file: "f.yml", env: {}, readFile: () => text }));

      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]).toMatchObject({ line, col, path: "", message: expect.stringMatching(message) });
      expect(error.issues[0]?.hint).toMatch(hint);
      expect(error.issues[0]?.hint).not.toMatch(/js\/function/);
    },
  );

  it("names the unknown-tag rule only when a tag is the problem", () => {
    const error = configErrorOf(() =>
      loadConfig({ file: "f.yml", env: {}, readFile: () => "environments: !!js/function 'x'\n" }),
    );

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.hint).toMatch(
      /remove the tag: unknown tags such as !!js\/function are not allowed/,
    );
  });

  it("never suggests a ${VAR:-default} fallback for a missing secret, only for other values", () => {
    const error = configErrorOf(() =>
      loadConfig({
        file: "f.yml",
        env: {},
        readFile: () =>
          'environments:\n  prod:\n    url: "${RANCHER_URL}"\n    project: P\n    accessKey: "${AK}"\n    secretKey: "${SK}"\nsources:\n  registry: { bearer: "${HOOK_BEARER}" }\n',
      }),
    );
    const hints = new Map(error.issues.map((issue) => [issue.path, issue.hint ?? ""]));

    for (const path of [
      "environments.prod.accessKey",
      "environments.prod.secretKey",
      "sources.registry.bearer",
    ]) {
      expect(hints.get(path), path).toMatch(
        /^To resolve, set \w+ \(or \w+_FILE to a file holding the value\)$/,
      );
      expect(hints.get(path)).not.toContain(":-");
    }
    expect(hints.get("environments.prod.url")).toContain("${RANCHER_URL:-default}");
  });

  it("rejects an empty file and a missing file with a hint", () => {
    const empty = configErrorOf(() => loadConfig({ file: fixture("empty.yml"), env: {} }));
    const missing = configErrorOf(() => loadConfig({ file: fixture("nope.yml"), env: {} }));

    expect(empty.issues[0]?.message).toMatch(/must be a YAML mapping/);
    expect(missing.issues[0]?.message).toMatch(/cannot read the config file \(ENOENT\)/);
    expect(missing.issues[0]?.hint).toMatch(/--config/);
  });

  it("reads VAR_FILE before VAR and trims the trailing newline", () => {
    const files: Record<string, string> = { "/run/secrets/sk": "from-file-secret\n" };
    const text = readFileSync(fixture("valid.yml"), "utf8");

    const loaded = loadConfig({
      file: "valid.yml",
      env: { ...VALID_ENV, RANCHER_SECRET_KEY_FILE: "/run/secrets/sk" },
      readFile: (path) => {
        if (path === "valid.yml") return text;
        const content = files[path];
        if (content === undefined) throw Object.assign(new Error("nope"), { code: "ENOENT" });
        return content;
      },
    });

    expect(loaded.config.environments["production"]).toMatchObject({ secretKey: "from-file-secret" });
  });

  it("reports an unreadable VAR_FILE without failing silently", () => {
    const error = configErrorOf(() =>
      loadConfig({
        file: fixture("valid.yml"),
        env: { ...VALID_ENV, RANCHER_SECRET_KEY_FILE: "/nonexistent/sk" },
      }),
    );

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.message).toMatch(
      /RANCHER_SECRET_KEY_FILE names a file that cannot be read \(ENOENT\)/,
    );
  });

  it("supports ${VAR:-default}, $$ escapes and reports malformed references", () => {
    const files: Record<string, string> = {
      "a.yml":
        'environments:\n  demo: { simulator: "${SEED:-default}" }\nrules:\n  - image: "a$$b"\n    tags: { exact: "${oops" }\n    targets: [{ environment: demo, stack: s, service: x }]\n',
    };
    const read = (path: string): string => files[path] ?? "";

    const error = configErrorOf(() => loadConfig({ file: "a.yml", env: {}, readFile: read }));

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({
      line: 5,
      path: "rules[0].tags.exact",
      message: expect.stringMatching(/malformed variable reference/),
    });
  });

  it("never puts secret values in error messages", () => {
    const env = { ...VALID_ENV, RANCHER_SECRET_KEY: "SK-should-not-leak-123" };
    const files: Record<string, string> = {
      "s.yml":
        "environments:\n  p:\n    url: ${RANCHER_SECRET_KEY}\n    project: x\n    accessKey: ${RANCHER_ACCESS_KEY}\n    secretKey: ${RANCHER_SECRET_KEY}\n    extra: ${RANCHER_SECRET_KEY}\n",
    };

    const error = configErrorOf(() => loadConfig({ file: "s.yml", env, readFile: (p) => files[p] ?? "" }));

    expect(error.issues.length).toBeGreaterThanOrEqual(2);
    expect(error.message).not.toContain("SK-should-not-leak-123");
  });

  it("bounds request header and body times by default and refuses headersTimeout > requestTimeout", () => {
    const load = (server: string): ReturnType<typeof loadConfig> =>
      loadConfig({
        file: "t.yml",
        env: {},
        readFile: () => `${server}environments:\n  demo: { simulator: default }\n`,
      });

    expect(load("").config.server).toMatchObject({ headersTimeout: 10_000, requestTimeout: 30_000 });
    expect(load("server: { headersTimeout: 200ms, requestTimeout: 300ms }\n").config.server).toMatchObject({
      headersTimeout: 200,
      requestTimeout: 300,
    });
    const tooLong = configErrorOf(() => load("server: { headersTimeout: 1m, requestTimeout: 30s }\n"));
    expect(tooLong.issues).toEqual([
      expect.objectContaining({
        path: "server.headersTimeout",
        line: 1,
        message: expect.stringMatching(/must not be longer than requestTimeout/),
      }),
    ]);
    const zero = configErrorOf(() => load("server: { requestTimeout: 0 }\n"));
    expect(zero.issues).toEqual([
      expect.objectContaining({ path: "server.requestTimeout", message: expect.stringMatching(/positive/) }),
    ]);
  });

  it("takes environment names of the admin API's target grammar: at most 128 characters", () => {
    const load = (name: string): ReturnType<typeof loadConfig> =>
      loadConfig({
        file: "t.yml",
        env: {},
        readFile: () => `environments:\n  "${name}": { simulator: default }\n`,
      });

    expect(Object.keys(load("e".repeat(128)).config.environments)).toEqual(["e".repeat(128)]);
    for (const name of ["e".repeat(129), "-demo", "de mo"]) {
      const error = configErrorOf(() => load(name));
      expect(error.issues).toEqual([expect.objectContaining({ path: `environments.${name}` })]);
    }
  });

  it("refuses files over the size limit and alias bombs", () => {
    const huge = `environments: {}\n# ${"x".repeat(1_100_000)}\n`;
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join("\n");

    const tooBig = configErrorOf(() => loadConfig({ file: "big.yml", env: {}, readFile: () => huge }));
    const aliases = configErrorOf(() => loadConfig({ file: "bomb.yml", env: {}, readFile: () => bomb }));

    expect(tooBig.issues[0]?.message).toMatch(/larger than/);
    expect(aliases.issues[0]?.message).toMatch(/cannot build the document|alias/i);
  });

  it("accepts the shipped demo and example configs", () => {
    const env = {
      RANCHER_PROD_ACCESS_KEY: "ak-1234567",
      RANCHER_PROD_SECRET_KEY: "sk-1234567",
      DOCKERHUB_HOOK_TOKEN: "d".repeat(24),
      REGISTRY_HOOK_TOKEN: "r".repeat(24),
      CI_JWT_SECRET: "c".repeat(40),
    };
    const root = (name: string): string => fileURLToPath(new URL(`../../config/${name}`, import.meta.url));

    expect(loadConfig({ file: root("drover.yml"), env: {} }).config.rules).toHaveLength(2);
    expect(loadConfig({ file: root("example.yml"), env }).config.rules[0]?.targets).toHaveLength(2);
  });
});

describe("loadConfig target overrides", () => {
  it("keeps unset override keys undefined so they inherit the defaults", () => {
    const text = `environments:\n  demo: { simulator: default }\ndefaults:\n  strategy: { intervalMillis: 9000, startFirst: true }\n  verify: { timeout: 2m }\nrules:\n  - image: shop/web\n    tags: { exact: latest }\n    targets:\n      - { environment: demo, stack: shop, service: web, strategy: { batchSize: 2 }, verify: { soak: 30s } }\n`;

    const target = loadConfig({ file: "o.yml", env: {}, readFile: () => text }).config.rules[0]?.targets[0];

    expect(target?.strategy).toEqual({ batchSize: 2 });
    expect(target?.verify).toEqual({ soak: 30_000 });
  });
});
