import { Parser, type YAMLError } from "yaml";

/** Where a YAML syntax problem is and what to say about it: one problem, at its cause. */
export interface YamlSyntaxProblem {
  /** Offset in the file of the cause (an unclosed bracket or quote is reported where it opens). */
  readonly offset: number;
  readonly message: string;
  readonly hint: string;
}

interface Opener {
  readonly offset: number;
  readonly what: string;
  readonly closer: string;
}

const FLOW_CLOSERS: Readonly<Record<string, string>> = { "[": "]", "{": "}" };

/**
 * The innermost bracket or quote that is opened and never closed, from yaml's concrete syntax
 * tree (an unterminated quote wins: it swallows the brackets after it).
 */
export function findUnclosed(text: string): Opener | undefined {
  let flow: Opener | undefined;
  let quote: Opener | undefined;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const token = node as {
      type?: unknown;
      offset?: unknown;
      source?: unknown;
      start?: unknown;
      end?: unknown;
    };
    if (token.type === "flow-collection" && typeof token.offset === "number") {
      const open = (token.start as { source?: unknown } | undefined)?.source;
      const closer = typeof open === "string" ? FLOW_CLOSERS[open] : undefined;
      const closed =
        Array.isArray(token.end) && token.end.some((end: { source?: unknown }) => end.source === closer);
      if (closer !== undefined && !closed && (flow === undefined || token.offset > flow.offset))
        flow = { offset: token.offset, what: `the "${String(open)}" opened here`, closer };
    }
    if (typeof token.source === "string" && typeof token.offset === "number" && quote === undefined) {
      if (token.type === "double-quoted-scalar" && !/^"(?:[^"\\]|\\.)*"$/s.test(token.source))
        quote = { offset: token.offset, what: "the double quote opened here", closer: '"' };
      if (token.type === "single-quoted-scalar" && !/^'(?:[^']|'')*'$/s.test(token.source))
        quote = { offset: token.offset, what: "the single quote opened here", closer: "'" };
    }
    for (const [key, value] of Object.entries(node)) if (key !== "source") visit(value);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return quote ?? flow;
}

const TAG_HINT = "To resolve, remove the tag: unknown tags such as !!js/function are not allowed";
const QUOTE_HINT = 'To resolve, quote a value that contains ": " or starts with a special character';

/** Hints for yaml's error codes, each about that problem only. */
const HINTS: Partial<Record<YAMLError["code"], string>> = {
  TAG_RESOLVE_FAILED: TAG_HINT,
  DUPLICATE_KEY: "To resolve, keep one of the two entries: a key appears at most once in a mapping",
  TAB_AS_INDENT: "To resolve, indent with spaces, not tabs",
  BAD_INDENT: "To resolve, indent the entries of one mapping or list by the same number of spaces",
  BLOCK_AS_IMPLICIT_KEY: QUOTE_HINT,
  MULTILINE_IMPLICIT_KEY: QUOTE_HINT,
  BAD_ALIAS: "To resolve, define the anchor (&name) before its alias (*name)",
};

/** A hint for yaml's error, naming only what that error is about. */
function hintFor(error: YAMLError, text: string): string {
  const at = error.pos[0];
  if (text[at] === "{" && text[at - 1] === "$")
    return 'To resolve, quote the value ("${VAR}"): inside { … } or [ … ] an unquoted { starts a mapping';
  return HINTS[error.code] ?? "To resolve, fix the YAML syntax here";
}

/**
 * One YAML syntax problem out of the errors yaml reports (it often reports a cascade of them for
 * one mistake): an unclosed bracket or quote is reported where it opens, otherwise the first
 * error, each with a hint about that problem only.
 */
export function yamlSyntaxProblem(errors: readonly YAMLError[], text: string): YamlSyntaxProblem | undefined {
  const first = [...errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (first === undefined) return undefined;
  const unclosed = findUnclosed(text);
  if (unclosed !== undefined && unclosed.offset <= first.pos[0]) {
    return {
      offset: unclosed.offset,
      message: `YAML: ${unclosed.what} is never closed`,
      hint:
        unclosed.closer === "]" || unclosed.closer === "}"
          ? `To resolve, close it with ${unclosed.closer} (or quote the value if it is text)`
          : `To resolve, close it with ${unclosed.closer}`,
    };
  }
  return {
    offset: first.pos[0],
    message: `YAML ${first.code}: ${first.message.split("\n")[0] ?? ""}`,
    hint: hintFor(first, text),
  };
}
