import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors/index.js";
import { collectNotificationSecrets, collectSecrets } from "./collect-secrets.js";
import { expandEnvReferences, type ExpandedScalar } from "./expand-env.js";
import { crossCheckMapping, mappingSchema, type MappingConfig } from "./mapping-schema.js";
import type { SourceName } from "./source-settings.js";
import { formatPath, positionAt, positionOf } from "./yaml-positions.js";
import { yamlSyntaxProblem } from "./yaml-syntax.js";

/** Config files larger than this are refused before parsing. */
export const MAX_CONFIG_BYTES = 1_048_576;
const MAX_ALIAS_COUNT = 100;

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, deep-frozen configuration. */
export type Config = DeepReadonly<MappingConfig>;

/** The validated settings of one webhook source (`sources.<name>`). */
export type SourceSettings<N extends SourceName> = NonNullable<Config["sources"][N]>;

/** The validated `notifications:` section. */
export type NotificationSettings = Config["notifications"];

/** A loaded config with what the reload machinery and the log scrubber need. */
export interface LoadedConfig {
  readonly config: Config;
  readonly file: string;
  /** sha256 (hex) of the file's text: the config's version as shown to operators. */
  readonly hash: string;
  /** Every secret value found in the config (for the log scrubber). Never log these. */
  readonly secrets: readonly string[];
  readonly loadedAt: string;
}

export interface LoadConfigOptions {
  readonly file: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile?: (path: string) => string;
  readonly now?: () => Date;
}

const defaultReadFile = (path: string): string => readFileSync(path, "utf8");

/**
 * Reads, expands (`${VAR}`, `VAR_FILE`), parses and validates a mapping file.
 *
 * @throws {ConfigError} listing every problem at once, each with file:line:col when known.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { file, env } = options;
  const readFile = options.readFile ?? defaultReadFile;
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError([
      {
        file,
        path: "",
        message: `cannot read the config file (${reason})`,
        hint: "To resolve, check the path given with --config or DROVER_CONFIG",
      },
    ]);
  }
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new ConfigError([{ file, path: "", message: `the file is larger than ${MAX_CONFIG_BYTES} bytes` }]);
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = yamlSyntaxProblem([...doc.errors, ...doc.warnings], text);
  if (syntax !== undefined) {
    throw new ConfigError([
      {
        file,
        ...positionAt(lineCounter, syntax.offset),
        path: "",
        message: syntax.message,
        hint: syntax.hint,
      },
    ]);
  }

  const expansion = expandEnvReferences(doc, { env, readFile });
  const issues: ConfigIssue[] = expansion.problems.map((problem) => ({
    file,
    ...(problem.offset === undefined ? {} : positionAt(lineCounter, problem.offset)),
    path: formatPath(problem.nodePath),
    message: problem.message,
    hint: problem.hint,
  }));

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ConfigError([
      ...issues,
      { file, path: "", message: `cannot build the document: ${firstLine((error as Error).message)}` },
    ]);
  }
  if (data === null || data === undefined || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError([
      ...issues,
      {
        file,
        line: 1,
        col: 1,
        path: "",
        message: "the config must be a YAML mapping with at least an environments key",
        hint: "To resolve, start from config/drover.yml",
      },
    ]);
  }

  const parsed = mappingSchema.safeParse(data);
  const crossIssues = crossCheckMapping(data).map((issue) => ({
    file,
    ...positionOf(doc, lineCounter, issue.path),
    path: formatPath(issue.path),
    message: issue.message,
  }));
  if (!parsed.success || issues.length > 0 || crossIssues.length > 0) {
    const expandedPaths = new Set(issues.map((issue) => issue.path));
    const schemaIssues = parsed.success
      ? []
      : zodIssuesToConfigIssues(parsed.error.issues, doc, lineCounter, data, file);
    issues.push(
      ...[...schemaIssues, ...crossIssues]
        .filter((issue) => !expandedPaths.has(issue.path))
        .map((issue) => hideExpandedValues(issue, expansion.expandedScalars)),
    );
    throw new ConfigError(sortIssues(issues));
  }

  return {
    config: deepFreeze(parsed.data),
    file,
    hash: createHash("sha256").update(text).digest("hex"),
    secrets: [
      ...new Set([
        ...collectSecrets(parsed.data),
        ...secretExpansions(expansion.expandedValues, parsed.data),
        ...collectNotificationSecrets(parsed.data.notifications),
      ]),
    ],
    loadedAt: (options.now ?? (() => new Date()))().toISOString(),
  };
}

/** Values shorter than this are replaced only where a message quotes them (`"…"`), not anywhere. */
const MIN_BARE_HIDDEN_LENGTH = 4;

/**
 * A validation message never shows a value that came from `${VAR}`/`VAR_FILE` (it may be a secret
 * fed to a non-secret key by mistake): where the issue's path is, or contains, an expanded scalar,
 * that scalar's value and its variables' values become "the value of ${VAR}" (the text as written).
 */
function hideExpandedValues(issue: ConfigIssue, scalars: readonly ExpandedScalar[]): ConfigIssue {
  let message = issue.message;
  for (const scalar of scalars) {
    const path = formatPath(scalar.nodePath);
    if (!isSameOrAncestorPath(issue.path, path)) continue;
    const named = `the value of ${scalar.source}`;
    const values = [...new Set([scalar.value, ...scalar.variableValues])]
      .filter((value) => value !== "")
      .sort((a, b) => b.length - a.length);
    for (const value of values) {
      message = message.replaceAll(JSON.stringify(value), named).replaceAll(`"${value}"`, named);
      if (value.length >= MIN_BARE_HIDDEN_LENGTH) message = message.replaceAll(value, named);
    }
  }
  return message === issue.message ? issue : { ...issue, message };
}

function isSameOrAncestorPath(ancestor: string, path: string): boolean {
  if (ancestor === "" || ancestor === path) return true;
  return path.startsWith(ancestor) && (path[ancestor.length] === "." || path[ancestor.length] === "[");
}

/** Expanded values that ended up under secret keys are secrets; others (URLs, names) are not. */
function secretExpansions(values: readonly string[], config: unknown): string[] {
  const secret = new Set(collectSecrets(config));
  return values.filter((value) => secret.has(value));
}

function zodIssuesToConfigIssues(
  zodIssues: readonly z.core.$ZodIssue[],
  doc: Document,
  lineCounter: LineCounter,
  data: unknown,
  file: string,
): ConfigIssue[] {
  return zodIssues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        file,
        ...positionOf(doc, lineCounter, issue.path, key),
        path: formatPath([...issue.path, key]),
        message: `unknown key "${key}"`,
        hint: "To resolve, remove it or correct its spelling (see the config reference in README.md)",
      }));
    }
    if (issue.code === "invalid_union") {
      const best = bestUnionBranch(issue.errors);
      if (best !== undefined) {
        // Issues inside a union branch have paths relative to the union's value.
        const nested = best.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
        return zodIssuesToConfigIssues(nested, doc, lineCounter, data, file);
      }
    }
    const missing = issue.code === "invalid_type" && valueAt(data, issue.path) === undefined;
    const last = issue.path.at(-1);
    return [
      {
        file,
        ...positionOf(doc, lineCounter, issue.path),
        path: formatPath(issue.path),
        message: missing ? `missing required key "${String(last)}"` : issue.message,
      },
    ];
  });
}

/** The union branch with strictly the fewest issues (the one the author most likely meant). */
function bestUnionBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
): readonly z.core.$ZodIssue[] | undefined {
  const weight = (issues: readonly z.core.$ZodIssue[]): number =>
    issues.reduce((sum, issue) => sum + (issue.code === "unrecognized_keys" ? issue.keys.length : 1), 0);
  const sorted = [...branches].sort((a, b) => weight(a) - weight(b));
  const [first, second] = sorted;
  if (first === undefined || first.length === 0) return undefined;
  return second === undefined || weight(first) < weight(second) ? first : undefined;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
