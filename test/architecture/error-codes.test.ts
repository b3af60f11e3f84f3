import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** The part of scripts/check-import-cycles.mjs this test uses (plain JS, loaded at run time). */
interface FilesModule {
  listTsFiles(dir: string): string[];
}

const script = (await import(
  new URL("../../scripts/check-import-cycles.mjs", import.meta.url).href
)) as FilesModule;

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/**
 * The error modules, where codes are defined: `src/errors/`, every `*-error.ts`/`*-errors.ts`, and
 * the deployment failure codes (`ERR`) of `src/deploy/deployment-failure.ts`.
 */
function isErrorModule(file: string): boolean {
  return file.startsWith("errors/") || /-errors?\.ts$/.test(file) || file === "deploy/deployment-failure.ts";
}

/**
 * Codes that are not drover's but a library's or Node's, compared or passed through as they come:
 * got/Node network error codes the Rancher client retries on or names in its messages.
 */
const FOREIGN_CODES: Readonly<Record<string, readonly string[]>> = {
  "rancher/rancher-http.ts": ["ERR_NETWORK", "ERR_STREAM_PREMATURE_CLOSE"],
};

/** Every string literal of `text` that is an error code (`ERR_…`), comments excluded. */
function codeLiterals(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      /^ERR_[A-Z0-9_]+$/.test(node.text)
    )
      found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every exported class of `text` that extends an error class (`Error`, `AppError`, `…Error`). */
function exportedErrorClasses(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return source.statements.filter(ts.isClassDeclaration).flatMap((node) => {
    const exported =
      node.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) ?? false;
    const base = node.heritageClauses
      ?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)
      ?.types[0]?.expression.getText(source);
    return exported && base !== undefined && /Error$/.test(base)
      ? [`${file}: ${node.name?.text ?? "default"}`]
      : [];
  });
}

/** `file: code` for every raw error code outside the error modules, allowed foreign codes left out. */
function rawCodes(files: Readonly<Record<string, string>>): string[] {
  return Object.entries(files)
    .filter(([file]) => !isErrorModule(file))
    .flatMap(([file, text]) =>
      codeLiterals(file, text)
        .filter((code) => !(FOREIGN_CODES[file] ?? []).includes(code))
        .map((code) => `${file}: ${code}`),
    );
}

describe("error codes", () => {
  it("are written as strings only in the error modules; everything else uses their constants", () => {
    const files = Object.fromEntries(
      script
        .listTsFiles(SRC)
        .map((path) => [path.slice(SRC.length).split("\\").join("/"), readFileSync(path, "utf8")]),
    );
    const definedInErrorModules = Object.entries(files)
      .filter(([file]) => isErrorModule(file))
      .flatMap(([file, text]) => codeLiterals(file, text));

    expect(definedInErrorModules).toContain("ERR_INTERNAL");
    expect(definedInErrorModules).toContain("ERR_NOTIFY_REFUSED");
    expect(rawCodes(files)).toEqual([]);
  });

  it("are classes defined only in the error modules (a private sentinel class may stay where it is thrown)", () => {
    const outside = script
      .listTsFiles(SRC)
      .map((path) => path.slice(SRC.length).split("\\").join("/"))
      .filter((file) => !isErrorModule(file))
      .flatMap((file) => exportedErrorClasses(file, readFileSync(`${SRC}${file}`, "utf8")));

    expect(outside).toEqual([]);
    expect(
      exportedErrorClasses(
        "store/x.ts",
        [
          'import { AppError } from "../errors/index.js";',
          'export class LockedError extends AppError { readonly code = "ERR_X"; }',
          "export class Retry extends Errors.TransientError {}",
          "class Sentinel extends Error {}",
          "export class Plain {}",
        ].join("\n"),
      ),
    ).toEqual(["store/x.ts: LockedError", "store/x.ts: Retry"]);
  });

  it("finds a raw code in logic, not in a comment, a prefix check or an error module", () => {
    expect(
      rawCodes({
        "notify/x.ts": [
          '// "ERR_IN_A_COMMENT"',
          "/** `ERR_IN_TSDOC` */",
          'export const raw = (code: string) => code === "ERR_NOTIFY_REFUSED";',
          'export const prefix = (code: string) => code.startsWith("ERR_");',
          "export const template = `ERR_TEMPLATE`;",
        ].join("\n"),
        "notify/x-error.ts": 'export const X = { A: "ERR_A" } as const;\n',
        "rancher/rancher-http.ts": 'export const a = ["ERR_NETWORK", "ERR_RANCHER_X"];\n',
      }),
    ).toEqual([
      "notify/x.ts: ERR_NOTIFY_REFUSED",
      "notify/x.ts: ERR_TEMPLATE",
      "rancher/rancher-http.ts: ERR_RANCHER_X",
    ]);
  });
});
