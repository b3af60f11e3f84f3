import { AppError } from "./app-error.js";

/** One problem found in a config file, with its position when known. */
export interface ConfigIssue {
  /** The file the problem is in (as given by the caller). */
  readonly file: string;
  /** 1-based line and column, when the problem maps to a place in the file. */
  readonly line?: number;
  readonly col?: number;
  /** Dotted path inside the document, e.g. `rules[0].targets[1].environment`; `""` for the root. */
  readonly path: string;
  readonly message: string;
  /** How to fix it, in "To resolve, …" style. */
  readonly hint?: string;
}

/** Formats one issue as `file:line:col: path: message (hint)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  const path = issue.path === "" ? "(root)" : issue.path;
  const hint = issue.hint === undefined ? "" : ` — ${issue.hint}`;
  return `${where}: ${path}: ${issue.message}${hint}`;
}

/** The config could not be loaded; `issues` lists every problem at once. Exit code 78 (EX_CONFIG). */
export class ConfigError extends AppError {
  readonly code = "ERR_CONFIG_INVALID";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const first = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(`config invalid (${first}):\n${issues.map(formatConfigIssue).join("\n")}`, options);
    this.issues = issues;
  }
}
