import { fileURLToPath } from "node:url";
import { ESLint, type Linter } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/** The shape of eslint/layers.js (plain JS, loaded at run time). */
interface LayersModule {
  readonly LAYERS: Readonly<Record<string, unknown>>;
  readonly TEMPORARY_EXCEPTIONS: readonly { readonly from: string; readonly to: string }[];
  forbiddenImports(
    folder: string,
    folders: readonly string[],
    exceptions?: readonly { readonly from: string; readonly to: string }[],
  ): string[];
  layerConfigs(srcDir: string, exceptions?: readonly { from: string; to: string }[]): Linter.Config[];
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LAYERS_URL = new URL("../../eslint/layers.js", import.meta.url).href;
/** Linting with type information starts a TypeScript project service: allow for it once. */
const SETUP_TIMEOUT_MS = 120_000;
const LINT_TIMEOUT_MS = 60_000;

let layers: LayersModule;
let eslint: ESLint;

beforeAll(async () => {
  layers = (await import(LAYERS_URL)) as LayersModule;
  eslint = new ESLint({ cwd: ROOT });
}, SETUP_TIMEOUT_MS);

/**
 * The `no-restricted-imports` messages for `code` linted as if it were `filePath` (an existing
 * file, so the TypeScript project knows it; its text on disk is not used).
 */
async function restrictedImports(target: ESLint, filePath: string, code: string): Promise<string[]> {
  const [result] = await target.lintText(code, { filePath: `${ROOT}/${filePath}` });
  const messages = result?.messages ?? [];
  const parseErrors = messages.filter((message) => message.ruleId === null);
  expect(parseErrors).toEqual([]);
  return messages.filter((message) => message.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layering lint rules (eslint/layers.js)", () => {
  it(
    "refuses an import the table forbids, type-only imports and re-exports included",
    async () => {
      expect(
        await restrictedImports(
          eslint,
          "src/domain/index.ts",
          'import { ConfigError } from "../errors/index.js";\nexport const x = ConfigError;\n',
        ),
      ).toEqual([
        "'../errors/index.js' import is restricted from being used by a pattern. Layering: src/domain may not import src/errors (see eslint/layers.js)",
      ]);
      expect(
        await restrictedImports(
          eslint,
          "src/store/index.ts",
          'import type { DeploymentEngine } from "../deploy/index.js";\nexport type X = DeploymentEngine;\n',
        ),
      ).toEqual([expect.stringContaining("Layering: src/store may not import src/deploy")]);
      expect(
        await restrictedImports(eslint, "src/deploy/index.ts", 'export * from "../http/index.js";\n'),
      ).toEqual([expect.stringContaining("Layering: src/deploy may not import src/http")]);
      expect(
        await restrictedImports(
          eslint,
          "src/routing/index.ts",
          'import { createApp } from "../app.js";\nexport const x = createApp;\n',
        ),
      ).toEqual([expect.stringContaining("Layering: src/routing may not import src/app.ts")]);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    "lets the simulator import src/errors and nothing else of drover",
    async () => {
      expect(
        await restrictedImports(
          eslint,
          "src/simulator/index.ts",
          'import { AppError } from "../errors/index.js";\nexport const x = AppError;\n',
        ),
      ).toEqual([]);
      expect(
        await restrictedImports(
          eslint,
          "src/simulator/index.ts",
          'import type { Deployment } from "../domain/index.js";\nexport type X = Deployment;\n',
        ),
      ).toEqual([expect.stringContaining("Layering: src/simulator may not import src/domain")]);
      expect(
        await restrictedImports(eslint, "src/simulator/index.ts", 'export * from "../log/index.js";\n'),
      ).toEqual([expect.stringContaining("Layering: src/simulator may not import src/log")]);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    "lets allowed imports through and keeps the index-only rule in every folder",
    async () => {
      expect(
        await restrictedImports(
          eslint,
          "src/sources/index.ts",
          'import { SOURCE_NAMES } from "../config/index.js";\nimport { ConfigError } from "../errors/index.js";\nexport const x = [SOURCE_NAMES, ConfigError];\n',
        ),
      ).toEqual([]);
      expect(
        await restrictedImports(
          eslint,
          "src/sources/index.ts",
          'import { loadConfig } from "../config/load-config.js";\nexport const x = loadConfig;\n',
        ),
      ).toEqual([expect.stringContaining("Import another folder only through its index.ts")]);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    "enforces every rule of the table (no temporary exceptions left)",
    async () => {
      const code = 'import { openStore } from "../store/index.js";\nexport const x = openStore;\n';
      expect(layers.TEMPORARY_EXCEPTIONS).toEqual([]);
      expect(await restrictedImports(eslint, "src/http/index.ts", code)).toEqual([
        expect.stringContaining("Layering: src/http may not import src/store"),
      ]);
    },
    SETUP_TIMEOUT_MS,
  );

  it("derives each folder's forbidden imports from the table", () => {
    const folders = ["cli", "config", "deploy", "domain", "errors", "http", "log", "operations", "routing"];
    folders.push("sources", "store", "rancher", "notify", "metrics", "simulator");

    expect(layers.forbiddenImports("routing", folders, [])).not.toContain("sources");
    expect(layers.forbiddenImports("routing", folders, [])).toContain("deploy");
    expect(layers.forbiddenImports("deploy", folders, [])).toEqual([
      "app",
      "cli",
      "http",
      "main",
      "operations",
      "simulator",
    ]);
    expect(layers.forbiddenImports("http", folders, [])).toEqual(
      expect.arrayContaining(["store", "deploy", "rancher", "simulator"]),
    );
    expect(layers.forbiddenImports("simulator", folders, [])).toContain("cli");
    expect(layers.forbiddenImports("simulator", folders, [])).toEqual(
      expect.arrayContaining(folders.filter((folder) => folder !== "simulator" && folder !== "errors")),
    );
    expect(layers.forbiddenImports("simulator", folders, [])).not.toContain("errors");
    expect(layers.forbiddenImports("simulator", folders)).toEqual(
      layers.forbiddenImports("simulator", folders, []),
    );
    expect(layers.forbiddenImports("cli", folders, [])).toEqual(["main"]);
    expect(layers.forbiddenImports("domain", folders, [])).toHaveLength(folders.length - 1 + 2);
  });
});
