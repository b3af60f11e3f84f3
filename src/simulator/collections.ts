import { asText } from "./input-fields.js";
import { parseId } from "./sim-ids.js";

type Json = Record<string, unknown>;

/** One filter condition as Cattle echoes it in `filters`. */
export interface Condition {
  readonly value: string;
  readonly modifier: string;
}

const MODIFIERS = ["ne", "lt", "gt", "lte", "gte", "prefix", "like", "notlike", "null", "notnull"] as const;
const KEY = new RegExp(`^([A-Za-z]+)(?:_(${MODIFIERS.join("|")}))?$`);
const REFERENCE_FIELDS = new Set(["id", "accountId", "stackId", "environmentId", "hostId"]);

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 3000;

const COMMON = ["id", "name", "state", "kind", "removed", "uuid", "accountId", "description"];

/** `collectionFilters` per resource type; other query parameters are ignored (docs/rancher-api.md §1.6). */
export function filterFieldsFor(resourceType: string): string[] {
  switch (resourceType) {
    case "service":
    case "loadBalancerService":
    case "dnsService":
    case "externalService":
      return [...COMMON, "healthState", "stackId", "environmentId", "scale", "createIndex"];
    case "container":
    case "instance":
      return [
        ...COMMON,
        "healthState",
        "hostId",
        "imageUuid",
        "version",
        "deploymentUnitUuid",
        "createIndex",
        "startCount",
      ];
    case "host":
      return [...COMMON, "hostname", "agentState"];
    default:
      return [...COMMON, "healthState"];
  }
}

/** Reads `field=value` and `field_modifier=value` parameters for known fields. */
export function parseFilters(query: URLSearchParams, fields: readonly string[]): Map<string, Condition[]> {
  const conditions = new Map<string, Condition[]>();
  for (const [key, value] of query) {
    const match = KEY.exec(key);
    const field = match?.[1];
    if (field === undefined || !fields.includes(field)) continue;
    const list = conditions.get(field) ?? [];
    list.push({ value, modifier: match?.[2] ?? "eq" });
    conditions.set(field, list);
  }
  return conditions;
}

const likePattern = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/%/g, ".*")
      .replace(/_/g, ".")}$`,
    "i",
  );

function compare(actual: unknown, expected: string, reference: boolean): number | undefined {
  if (actual === null || actual === undefined) return undefined;
  if (reference) {
    const a = typeof actual === "string" ? parseId(actual) : undefined;
    const b = parseId(expected) ?? -1;
    return a === undefined ? undefined : a - b;
  }
  if (typeof actual === "number") {
    const b = Number(expected);
    return Number.isNaN(b) ? undefined : actual - b;
  }
  const a = asText(actual).toLowerCase();
  const b = expected.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a rendered row satisfies one condition (string comparisons are case-insensitive, like MySQL). */
export function matchesCondition(row: Json, field: string, condition: Condition): boolean {
  const actual = row[field];
  const { modifier, value } = condition;
  if (modifier === "null") return actual === null || actual === undefined;
  if (modifier === "notnull") return actual !== null && actual !== undefined;
  if (modifier === "prefix")
    return actual != null && asText(actual).toLowerCase().startsWith(value.toLowerCase());
  if (modifier === "like") return actual != null && likePattern(value).test(asText(actual));
  if (modifier === "notlike") return actual == null || !likePattern(value).test(asText(actual));
  const order = compare(actual, value, REFERENCE_FIELDS.has(field));
  if (order === undefined) return false;
  switch (modifier) {
    case "ne":
      return order !== 0;
    case "lt":
      return order < 0;
    case "gt":
      return order > 0;
    case "lte":
      return order <= 0;
    case "gte":
      return order >= 0;
    default:
      return order === 0;
  }
}

export interface CollectionInput {
  readonly resourceType: string;
  readonly requestUrl: URL;
  readonly rows: readonly Json[];
  readonly fields: readonly string[];
  /** Field aliases (v1 accepts `stackId` for `environmentId`). */
  readonly aliases?: Readonly<Record<string, string>>;
}

const withParam = (url: URL, name: string, value: string): string => {
  const copy = new URL(url.href);
  copy.searchParams.set(name, value);
  return copy.href;
};

/**
 * Filters, sorts and pages rendered rows into Cattle's collection envelope (docs/rancher-api.md §1.6): default
 * `limit` 100 (max 3000), `pagination.next` = the same URL with `marker=m<offset>` when
 * `partial`, `total` always null, `filters` echoing every filterable field.
 */
export function renderCollection(input: CollectionInput): Json {
  const { requestUrl: url, fields } = input;
  const query = url.searchParams;
  const conditions = parseFilters(query, fields);
  let rows = input.rows.filter((row) =>
    [...conditions].every(([field, list]) =>
      list.every((condition) => matchesCondition(row, input.aliases?.[field] ?? field, condition)),
    ),
  );
  const sort = query.get("sort");
  if (sort !== null && fields.includes(sort)) {
    const direction = query.get("order") === "desc" ? -1 : 1;
    rows = [...rows].sort((a, b) => direction * (compare(a[sort], asText(b[sort]), false) ?? -1));
  }
  const limitParam = Number(query.get("limit") ?? DEFAULT_LIMIT);
  const limit =
    Number.isInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, MAX_LIMIT) : DEFAULT_LIMIT;
  const marker = /^m(\d+)$/.exec(query.get("marker") ?? "");
  const offset = marker?.[1] === undefined ? 0 : Number(marker[1]);
  const partial = offset + limit < rows.length;
  return {
    type: "collection",
    resourceType: input.resourceType,
    links: { self: url.href },
    createTypes: {},
    actions: {},
    data: rows.slice(offset, offset + limit),
    sortLinks: Object.fromEntries(fields.map((field) => [field, withParam(url, "sort", field)])),
    pagination: {
      first: null,
      previous: null,
      next: partial ? withParam(url, "marker", `m${String(offset + limit)}`) : null,
      limit,
      total: null,
      partial,
    },
    sort: sort !== null && fields.includes(sort) ? sort : null,
    filters: Object.fromEntries(fields.map((field) => [field, conditions.get(field) ?? null])),
    createDefaults: {},
  };
}
