// The layering of src/: which top-level folders each folder may import. eslint.config.js turns
// this table into per-folder `no-restricted-imports` overrides, so a forbidden import fails
// `npm run lint`. docs/ARCHITECTURE.md's folder map states the same table.
import { readdirSync } from "node:fs";

/**
 * Folder → what it may import. `allow`: only these folders (besides itself); `except`: every
 * folder but these. `app` stands for the composition root `src/app.ts` (only the CLI may import
 * it); nothing imports `src/main.ts`. Folders missing here get only the "through index.ts" rule.
 *
 * @type {Readonly<Record<string, { readonly allow: readonly string[] } | { readonly except: readonly string[] }>>}
 */
export const LAYERS = {
  domain: { allow: [] },
  errors: { allow: [] },
  log: { allow: [] },
  config: { allow: ["errors", "domain"] },
  sources: { allow: ["domain", "config", "errors", "log"] },
  routing: { allow: ["domain", "config", "sources", "errors"] },
  rancher: { allow: ["log", "errors"] },
  store: { allow: ["domain", "errors"] },
  notify: { allow: ["domain", "config", "log", "errors"] },
  metrics: { allow: ["domain"] },
  simulator: { allow: ["errors"] },
  backend: { allow: ["rancher", "config", "domain", "log", "errors"] },
  deploy: { except: ["http", "cli", "operations", "compose", "simulator", "app"] },
  operations: { except: ["http", "cli", "compose", "simulator", "app"] },
  http: { except: ["store", "deploy", "rancher", "backend", "simulator", "cli", "compose", "app"] },
  compose: { except: ["cli", "app"] },
  cli: { except: [] },
};

/**
 * Imports the table forbids but the code still has, allowed until the work that removes them is
 * merged. Empty: every rule of the table is enforced. Add an entry only with a reason and a plan.
 *
 * @type {readonly { readonly from: string; readonly to: string; readonly why: string }[]}
 */
export const TEMPORARY_EXCEPTIONS = [];

/** Pseudo-modules at the root of src/ (`app` = src/app.ts, `main` = src/main.ts). */
const ROOT_MODULES = ["app", "main"];

/** The index-only rule every src/ file has (repeated in each override: flat config replaces a rule's options). */
export const INDEX_ONLY_PATTERN = {
  group: ["../*/*", "!../*/index.js"],
  message: "Import another folder only through its index.ts",
};

/** Deepest folder nesting under src/<folder>/ the generated patterns cover. */
const MAX_DEPTH = 3;

/**
 * The folders `folder` must not import, given every known folder.
 *
 * @param {string} folder
 * @param {readonly string[]} folders every top-level folder of src/
 * @param {readonly { readonly from: string; readonly to: string }[]} exceptions
 * @returns {string[]}
 */
export function forbiddenImports(folder, folders, exceptions = TEMPORARY_EXCEPTIONS) {
  const layer = LAYERS[folder];
  if (layer === undefined) return [];
  const excepted = new Set(exceptions.filter((entry) => entry.from === folder).map((entry) => entry.to));
  const candidates = [...new Set([...folders, ...ROOT_MODULES])].filter((other) => other !== folder);
  const forbidden =
    "allow" in layer
      ? candidates.filter((other) => !layer.allow.includes(other))
      : candidates.filter((other) => layer.except.includes(other) || other === "main");
  return forbidden.filter((other) => !excepted.has(other)).sort();
}

/** @param {string} folder @param {string} target @param {number} depth */
function patternFor(folder, target, depth) {
  const up = "../".repeat(depth);
  const group = ROOT_MODULES.includes(target)
    ? [`${up}${target}`, `${up}${target}.js`]
    : [`${up}${target}`, `${up}${target}/*`];
  const what = ROOT_MODULES.includes(target) ? `src/${target}.ts` : `src/${target}`;
  return { group, message: `Layering: src/${folder} may not import ${what} (see eslint/layers.js)` };
}

/**
 * Flat-config objects, one per folder of the table and nesting depth, each with the index-only
 * pattern and that folder's forbidden folders.
 *
 * @param {string} srcDir absolute path of src/
 * @param {readonly { readonly from: string; readonly to: string }[]} exceptions
 */
export function layerConfigs(srcDir, exceptions = TEMPORARY_EXCEPTIONS) {
  const onDisk = readdirSync(srcDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const folders = [...new Set([...onDisk, ...Object.keys(LAYERS)])];
  return Object.keys(LAYERS).flatMap((folder) => {
    const forbidden = forbiddenImports(folder, folders, exceptions);
    return Array.from({ length: MAX_DEPTH }, (_, index) => {
      const depth = index + 1;
      return {
        files: [`src/${folder}/${"*/".repeat(index)}*.ts`],
        rules: {
          "no-restricted-imports": [
            "error",
            {
              patterns: [INDEX_ONLY_PATTERN, ...forbidden.map((target) => patternFor(folder, target, depth))],
            },
          ],
        },
      };
    });
  });
}
