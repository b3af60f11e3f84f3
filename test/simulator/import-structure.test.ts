import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { folderImportGraph, importCycles, importsOf } from "./import-graph.js";

const SIMULATOR = fileURLToPath(new URL("../../src/simulator/", import.meta.url));

describe("the simulator's import structure", () => {
  const graph = folderImportGraph(SIMULATOR);

  it("has no import cycles among its files, type-only imports included", () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(importCycles(graph)).toEqual([]);
  });

  it("imports nothing of drover but src/errors", () => {
    const drover = [...graph].flatMap(([file, { outside }]) =>
      outside.filter((target) => target.startsWith(".")).map((target) => `${file} → ${target}`),
    );
    expect(drover.length).toBeGreaterThan(0);
    expect(drover.filter((line) => !line.endsWith("→ ../errors/index.js"))).toEqual([]);
  });
});

describe("importCycles", () => {
  it("finds a cycle through a type-only import and leaves acyclic files out", () => {
    const graph = new Map(
      Object.entries({
        "a.ts": importsOf('import type { B } from "./b.js";\nimport { x } from "node:fs";'),
        "b.ts": importsOf('import { c } from "./c.js";'),
        "c.ts": importsOf('export { a } from "./a.js";'),
        "d.ts": importsOf('import { a } from "./a.js";'),
        "e.ts": importsOf('type T = import("./e.js").T;'),
      }).map(([file, targets]) => [
        file,
        {
          siblings: targets.filter((t) => t.startsWith("./")).map((t) => t.slice(2).replace(/\.js$/, ".ts")),
        },
      ]),
    );
    expect(importCycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"], ["e.ts"]]);
  });
});
