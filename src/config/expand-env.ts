import { isScalar, visit, type Document } from "yaml";
import { isSecretPath } from "./collect-secrets.js";

/** What `${VAR}` references can read: the environment and files named by `VAR_FILE`. */
export interface EnvSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

/** A problem met while expanding one scalar; `offset` is where the scalar starts in the file. */
export interface ExpansionProblem {
  readonly offset: number | undefined;
  readonly nodePath: readonly (string | number)[];
  readonly message: string;
  readonly hint: string;
}

/**
 * A scalar whose value came (at least partly) from `${VAR}`/`VAR_FILE` expansion: where it is,
 * what the file says (`source`, safe to show) and what it expanded to (`value`, never shown).
 */
export interface ExpandedScalar {
  readonly nodePath: readonly (string | number)[];
  readonly source: string;
  readonly value: string;
  /** The values of the variables read for it (each may be a secret). */
  readonly variableValues: readonly string[];
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([^}]*)\}?/g;

/**
 * Resolves one variable: `VAR_FILE` (a file holding the value, e.g. a Docker or
 * Kubernetes secret; it wins when both are set) or `VAR`. Trailing newlines of files are
 * trimmed. Returns undefined when neither is set.
 */
function resolveVariable(name: string, source: EnvSource): { value?: string; error?: string } {
  const filePath = source.env[`${name}_FILE`];
  if (filePath !== undefined && filePath !== "") {
    try {
      return {
        value: source
          .readFile(filePath)
          .replace(/\r?\n$/, "")
          .trim(),
      };
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
      return { error: `${name}_FILE names a file that cannot be read (${reason}): ${filePath}` };
    }
  }
  const value = source.env[name];
  return value === undefined ? {} : { value };
}

/**
 * Expands `${VAR}` and `${VAR:-default}` in every scalar *value* of the document, in place
 * (keys are never expanded). `$$` stands for a literal `$`. An undefined variable with no
 * default, or a malformed reference, is reported (never silently left empty).
 * Returns the expanded variable values (for secret tracking), the scalars that were expanded (so
 * validation messages can name them instead of quoting their values) and the problems found.
 */
export function expandEnvReferences(
  doc: Document,
  source: EnvSource,
): { problems: ExpansionProblem[]; expandedValues: string[]; expandedScalars: ExpandedScalar[] } {
  const problems: ExpansionProblem[] = [];
  const expandedValues: string[] = [];
  const expandedScalars: ExpandedScalar[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (key === "key" || typeof node.value !== "string" || !node.value.includes("$")) return;
      const nodePath = pathOf([...path, node]);
      const offset = node.range?.[0];
      const original = node.value;
      const variableValues: string[] = [];
      let expanded = false;
      const result = original.replace(
        REFERENCE,
        (match: string, name?: string, fallback?: string, bad?: string) => {
          if (match === "$$") return "$";
          if (name === undefined) {
            problems.push({
              offset,
              nodePath,
              message: `malformed variable reference "\${${bad ?? ""}"`,
              hint: "To resolve, write ${NAME} with a name of letters, digits and _, or $$ for a literal $",
            });
            return match;
          }
          const resolved = resolveVariable(name, source);
          expanded = true;
          if (resolved.error !== undefined) {
            problems.push({
              offset,
              nodePath,
              message: resolved.error,
              hint: `To resolve, fix ${name}_FILE`,
            });
            return "";
          }
          if (resolved.value === undefined) {
            if (fallback !== undefined) return fallback;
            problems.push({
              offset,
              nodePath,
              message: `environment variable ${name} is not set`,
              // A secret has no sensible default: never suggest writing one into the file.
              hint: isSecretPath(nodePath)
                ? `To resolve, set ${name} (or ${name}_FILE to a file holding the value)`
                : `To resolve, set ${name} (or ${name}_FILE to a file holding the value), or write \${${name}:-default}`,
            });
            return "";
          }
          expandedValues.push(resolved.value);
          variableValues.push(resolved.value);
          return resolved.value;
        },
      );
      node.value = result;
      if (expanded) expandedScalars.push({ nodePath, source: original, value: result, variableValues });
    },
  });
  return { problems, expandedValues, expandedScalars };
}

/** Turns yaml's visitor ancestry into a document path of keys and indexes. */
function pathOf(ancestry: readonly unknown[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (let i = 0; i < ancestry.length; i += 1) {
    const node = ancestry[i] as { items?: unknown[]; key?: unknown };
    const child = ancestry[i + 1];
    if (node.items !== undefined && child !== undefined) {
      const index = node.items.indexOf(child);
      const pair = child as { key?: unknown };
      if (pair.key !== undefined && isScalar(pair.key)) out.push(String(pair.key.value));
      else if (index >= 0) out.push(index);
    }
  }
  return out;
}
