/** API version segment of a URL. */
export type ApiVersion = "v1" | "v2-beta";

export type IdKind = "project" | "host" | "stack" | "service" | "container";

const PREFIX: Readonly<Record<IdKind, string>> = {
  project: "1a",
  host: "1h",
  stack: "1st",
  service: "1s",
  container: "1i",
};

/** `1` + short type + number; v1 shows stacks as `1e<n>` (docs/rancher-api.md §1.4). */
export function formatId(kind: IdKind, id: number, version: ApiVersion = "v2-beta"): string {
  if (kind === "stack" && version === "v1") return `1e${String(id)}`;
  return `${PREFIX[kind]}${String(id)}`;
}

/**
 * Cattle strips the leading `1` and any letters, so `1e7`, `1st7` and even `1i7` name row 7.
 * Returns undefined for an id that does not parse (→ 404).
 */
export function parseId(id: string): number | undefined {
  const match = /^1[A-Za-z]+(\d{1,15})$/.exec(id);
  if (match?.[1] === undefined) return undefined;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) ? value : undefined;
}
