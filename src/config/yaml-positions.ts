import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export interface Position {
  readonly line: number;
  readonly col: number;
}

/**
 * Finds where a document path points in the source: the value node at `path`, or — with
 * `key` — the key node of an entry of the map at `path`. When the path does not exist
 * (a missing key), the position of the deepest existing ancestor is returned.
 */
export function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): Position | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const segment of path) {
    const next = childOf(node, segment);
    if (next === undefined) break;
    node = next.value;
    offset = rangeStart(next.value) ?? rangeStart(next.key) ?? offset;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    offset = rangeStart(pair?.key) ?? offset;
  }
  if (offset === undefined) return undefined;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, col: pos.col };
}

/** Position of a byte offset in the source. */
export function positionAt(lineCounter: LineCounter, offset: number): Position {
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, col: pos.col };
}

function childOf(node: unknown, segment: PropertyKey): { key?: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
    return pair === undefined ? undefined : { key: pair.key, value: pair.value };
  }
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || node === undefined || isPair(node)) return undefined;
  return (node as Node).range?.[0];
}

/** Formats a document path as `rules[0].targets[1].environment`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
