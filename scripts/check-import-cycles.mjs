#!/usr/bin/env node
// Fails when the import graph of src/**/*.ts has a cycle that is not in KNOWN_CYCLES. Every
// import counts: value, type-only, re-exports (`export … from`), side-effect and dynamic imports.
// Run by `npm run lint`; `node scripts/check-import-cycles.mjs [srcDir]`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * Import cycles tolerated for now, each as the sorted files (relative to src/) of one strongly
 * connected component. A component must match an entry exactly, so a new file joining a known
 * cycle still fails; an entry that no longer occurs fails too (delete it). Empty: src/ has no
 * import cycle, and a new one fails lint.
 */
export const KNOWN_CYCLES = [];

/** Every `.ts` file under `dir` (absolute paths, sorted). */
export function listTsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** The module specifiers of one file's text (comments and strings are not imports). */
export function importSpecifiers(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/** The `.ts` file a relative specifier names (`./x.js` → `./x.ts`, `./dir` → `./dir/index.ts`), if any. */
export function resolveSpecifier(fromFile, specifier, exists = existsSync) {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base.replace(/\.(m?js)$/, (_, ext) => (ext === "mjs" ? ".mts" : ".ts")),
    `${base}.ts`,
    join(base, "index.ts"),
  ];
  return candidates.find((candidate) => candidate.endsWith(".ts") && exists(candidate));
}

/** The import graph: file (relative to `root`, `/`-separated) → the files it imports. */
export function buildImportGraph(
  files,
  root,
  readFile = (file) => readFileSync(file, "utf8"),
  exists = existsSync,
) {
  const name = (file) => relative(root, file).split(sep).join("/");
  const graph = new Map();
  for (const file of files) {
    const targets = new Set();
    for (const specifier of importSpecifiers(readFile(file))) {
      const target = resolveSpecifier(file, specifier, exists);
      if (target !== undefined) targets.add(name(target));
    }
    graph.set(name(file), [...targets].sort());
  }
  return graph;
}

/**
 * The cycles of a graph: its strongly connected components with more than one file, or one file
 * importing itself (Tarjan's algorithm, iterative). Each as sorted files; the list sorted too.
 */
export function findCycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const cycles = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const target = edges[frame.next++];
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node), index.get(target)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    }
  }
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** One concrete path through a cycle's files, back to its first file: `a.ts → b.ts → a.ts`. */
export function describeCycle(graph, cycle) {
  const members = new Set(cycle);
  const start = cycle[0];
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const target of graph.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [];
        for (let at = node; at !== undefined; at = previous.get(at)) path.unshift(at);
        return [...path, start].join(" → ");
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return cycle.join(", ");
}

/**
 * Compares the graph's cycles with the known ones: `unexpected` cycles (new, or a known one that
 * changed) and `stale` known entries that no longer occur both fail the check.
 */
export function checkImportCycles(graph, known = KNOWN_CYCLES) {
  const key = (cycle) => [...cycle].sort().join("\n");
  const knownKeys = new Set(known.map(key));
  const cycles = findCycles(graph);
  const foundKeys = new Set(cycles.map(key));
  return {
    cycles,
    unexpected: cycles.filter((cycle) => !knownKeys.has(key(cycle))),
    allowed: cycles.filter((cycle) => knownKeys.has(key(cycle))),
    stale: known.filter((cycle) => !foundKeys.has(key(cycle))),
  };
}

function main() {
  const srcDir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "src"));
  const graph = buildImportGraph(listTsFiles(srcDir), srcDir);
  const result = checkImportCycles(graph);
  for (const cycle of result.allowed) {
    process.stderr.write(
      `import cycle (known, allowed in KNOWN_CYCLES until removed): ${describeCycle(graph, cycle)}\n`,
    );
  }
  for (const cycle of result.unexpected) {
    process.stderr.write(
      `error: import cycle among ${cycle.length} files: ${describeCycle(graph, cycle)}\n  files: ${cycle.join(", ")}\n`,
    );
  }
  for (const cycle of result.stale) {
    process.stderr.write(
      `error: KNOWN_CYCLES lists a cycle that no longer exists; delete it: ${cycle.join(", ")}\n`,
    );
  }
  const failed = result.unexpected.length > 0 || result.stale.length > 0;
  process.stdout.write(
    `${graph.size} files, ${result.cycles.length} import cycle(s), ${result.unexpected.length} unexpected, ${result.stale.length} stale allow-list entr${result.stale.length === 1 ? "y" : "ies"}\n`,
  );
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
