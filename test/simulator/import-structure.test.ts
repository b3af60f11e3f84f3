import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The part of scripts/check-import-cycles.mjs this test uses (plain JS, loaded at run time). */
interface ImportGraphModule {
  listTsFiles(dir: string): string[];
  buildImportGraph(
    files: readonly string[],
    root: string,
    readFile: (file: string) => string,
    exists: (file: string) => boolean,
  ): Map<string, string[]>;
}

const script = (await import(
  new URL("../../scripts/check-import-cycles.mjs", import.meta.url).href
)) as ImportGraphModule;

/** Every import of a `simulator/` file that leaves the simulator for anything but `errors/`, as `from → to`. */
function importsOutsideErrors(graph: ReadonlyMap<string, readonly string[]>): string[] {
  return [...graph]
    .filter(([file]) => file.startsWith("simulator/"))
    .flatMap(([file, targets]) =>
      targets
        .filter((target) => !target.startsWith("simulator/") && !target.startsWith("errors/"))
        .map((target) => `${file} → ${target}`),
    );
}

describe("the simulator's imports (the import graph of scripts/check-import-cycles.mjs)", () => {
  it("imports nothing of drover but src/errors", () => {
    const src = fileURLToPath(new URL("../../src", import.meta.url));
    const graph = script.buildImportGraph(
      script.listTsFiles(src),
      src,
      (file) => readFileSync(file, "utf8"),
      existsSync,
    );
    const simulatorFiles = [...graph.keys()].filter((file) => file.startsWith("simulator/"));
    const toErrors = [...graph]
      .filter(([file]) => file.startsWith("simulator/"))
      .flatMap(([, targets]) => targets.filter((target) => target.startsWith("errors/")));

    expect(simulatorFiles.length).toBeGreaterThan(20);
    expect(toErrors.length).toBeGreaterThan(0);
    expect(importsOutsideErrors(graph)).toEqual([]);
  });

  it("reports a simulator file importing another folder, type-only imports and re-exports included", () => {
    const tree: Readonly<Record<string, string>> = {
      "/fx/src/simulator/a.ts": 'import type { X } from "../domain/index.js";\nimport "./b.js";\n',
      "/fx/src/simulator/b.ts":
        'export { AppError } from "../errors/index.js";\nexport * from "../log/index.js";\n',
      "/fx/src/domain/index.ts": "export type X = 1;\n",
      "/fx/src/errors/index.ts": "export class AppError {}\n",
      "/fx/src/log/index.ts": "export const log = 1;\n",
    };
    const graph = script.buildImportGraph(
      Object.keys(tree).sort(),
      "/fx/src",
      (file) => tree[file] ?? "",
      (file) => file in tree,
    );

    expect(importsOutsideErrors(graph)).toEqual([
      "simulator/a.ts → domain/index.ts",
      "simulator/b.ts → log/index.ts",
    ]);
  });
});
