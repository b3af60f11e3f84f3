import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Every module a file names in `import … from`, `export … from` and `import("…")` (type-only too). */
export function importsOf(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(/\b(?:import|export)\s[^;]*?\bfrom\s*"([^"]+)"/gs))
    found.add(match[1]!);
  for (const match of source.matchAll(/\bimport\s*\(\s*"([^"]+)"\s*\)/g)) found.add(match[1]!);
  for (const match of source.matchAll(/^\s*import\s*"([^"]+)"/gm)) found.add(match[1]!);
  return [...found];
}

/** The import graph of one folder's `.ts` files: file name → the sibling files and outside modules it imports. */
export function folderImportGraph(folder: string): Map<string, { siblings: string[]; outside: string[] }> {
  const graph = new Map<string, { siblings: string[]; outside: string[] }>();
  for (const file of readdirSync(folder).filter((name) => name.endsWith(".ts"))) {
    const siblings: string[] = [];
    const outside: string[] = [];
    for (const target of importsOf(readFileSync(join(folder, file), "utf8"))) {
      if (/^\.\/[^/]+\.js$/.test(target)) siblings.push(target.slice(2).replace(/\.js$/, ".ts"));
      else outside.push(target);
    }
    graph.set(file, { siblings, outside });
  }
  return graph;
}

/** The import cycles of a graph: its strongly connected components with more than one file (or a self-import), sorted. */
export function importCycles(
  graph: ReadonlyMap<string, { readonly siblings: readonly string[] }>,
): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    const targets = (graph.get(file)?.siblings ?? []).filter((target) => graph.has(target));
    for (const target of targets) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || targets.includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
