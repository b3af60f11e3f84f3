import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The shape of scripts/check-import-cycles.mjs (plain JS, loaded at run time). */
interface CyclesModule {
  readonly KNOWN_CYCLES: readonly (readonly string[])[];
  listTsFiles(dir: string): string[];
  buildImportGraph(
    files: readonly string[],
    root: string,
    readFile: (file: string) => string,
    exists: (file: string) => boolean,
  ): Map<string, string[]>;
  findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][];
  describeCycle(graph: ReadonlyMap<string, readonly string[]>, cycle: readonly string[]): string;
  checkImportCycles(
    graph: ReadonlyMap<string, readonly string[]>,
    known?: readonly (readonly string[])[],
  ): {
    readonly cycles: string[][];
    readonly unexpected: string[][];
    readonly allowed: string[][];
    readonly stale: readonly (readonly string[])[];
  };
}

const cycles = (await import(
  new URL("../../scripts/check-import-cycles.mjs", import.meta.url).href
)) as CyclesModule;

/** A small source tree in memory: path under /fx/src → text. */
const TREE: Readonly<Record<string, string>> = {
  "/fx/src/app.ts": 'import { run } from "./cli/index.js";\nexport const app = run;\n',
  "/fx/src/cli/index.ts": 'export { run } from "./run.js";\n',
  // A type-only import closes the cycle app → cli/index → cli/run → app.
  "/fx/src/cli/run.ts": 'import type { App } from "../app.js";\nexport const run = (app?: App) => app;\n',
  "/fx/src/domain/index.ts": 'export * from "./a.js";\n',
  "/fx/src/domain/a.ts": '// import { b } from "./b.js";\nexport const a = "import x from \'./b.js\'";\n',
  "/fx/src/domain/b.ts": 'import { a } from "./a.js";\nimport "node:fs";\nexport const b = a;\n',
  "/fx/src/self.ts": 'export const self = () => import("./self.js");\n',
};

function fixtureGraph(tree: Readonly<Record<string, string>> = TREE): Map<string, string[]> {
  return cycles.buildImportGraph(
    Object.keys(tree).sort(),
    "/fx/src",
    (file) => tree[file] ?? "",
    (file) => file in tree,
  );
}

describe("the import cycle check (scripts/check-import-cycles.mjs)", () => {
  it("resolves relative .js specifiers to .ts files; comments, strings and packages are not edges", () => {
    const graph = fixtureGraph();

    expect(graph.get("app.ts")).toEqual(["cli/index.ts"]);
    expect(graph.get("cli/run.ts")).toEqual(["app.ts"]);
    expect(graph.get("domain/a.ts")).toEqual([]);
    expect(graph.get("domain/b.ts")).toEqual(["domain/a.ts"]);
  });

  it("finds every cycle, type-only and dynamic imports included, with a readable path", () => {
    const graph = fixtureGraph();

    expect(cycles.findCycles(graph)).toEqual([["app.ts", "cli/index.ts", "cli/run.ts"], ["self.ts"]]);
    expect(cycles.describeCycle(graph, ["app.ts", "cli/index.ts", "cli/run.ts"])).toBe(
      "app.ts → cli/index.ts → cli/run.ts → app.ts",
    );
    expect(cycles.describeCycle(graph, ["self.ts"])).toBe("self.ts → self.ts");
  });

  it("passes known cycles, fails new ones, grown ones and stale allow-list entries", () => {
    const graph = fixtureGraph();
    const known = [["self.ts"], ["app.ts", "cli/index.ts", "cli/run.ts"]];
    expect(cycles.checkImportCycles(graph, known)).toMatchObject({ unexpected: [], stale: [] });

    const grown = fixtureGraph({
      ...TREE,
      "/fx/src/cli/run.ts":
        'import type { App } from "../app.js";\nimport "./extra.js";\nexport const run = 1;\n',
      "/fx/src/cli/extra.ts": 'import "./index.js";\n',
    });
    expect(cycles.checkImportCycles(grown, known).unexpected).toEqual([
      ["app.ts", "cli/extra.ts", "cli/index.ts", "cli/run.ts"],
    ]);

    const acyclic = fixtureGraph({ "/fx/src/domain/a.ts": "export const a = 1;\n" });
    expect(cycles.checkImportCycles(acyclic, known)).toMatchObject({ cycles: [], stale: known });
  });

  it("finds in src/ exactly the allow-listed cycles (each written as sorted files)", () => {
    const src = fileURLToPath(new URL("../../src", import.meta.url));
    const graph = cycles.buildImportGraph(
      cycles.listTsFiles(src),
      src,
      (file) => readFileSync(file, "utf8"),
      existsSync,
    );

    const result = cycles.checkImportCycles(graph);

    expect(result.unexpected.map((cycle) => cycles.describeCycle(graph, cycle))).toEqual([]);
    expect(result.stale).toEqual([]);
    for (const cycle of cycles.KNOWN_CYCLES) expect([...cycle].sort()).toEqual(cycle);
  });
});
