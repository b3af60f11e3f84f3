import { splitImageReference } from "../domain/index.js";
import type { ListDeploymentsQuery } from "./deployment-store.js";
import { isGeneratedId } from "./create-id-generator.js";
import { InvalidCursorError } from "./store-errors.js";

/** Prefix of every deployment id. */
export const DEPLOYMENT_ID_PREFIX = "d_";
export const MAX_LIST_LIMIT = 200;

/** One `list` query as SQL: `sql` depends only on which filters are set, so it can be cached. */
export interface ListQuery {
  readonly sql: string;
  readonly params: Readonly<Record<string, string | number>>;
  /** The clamped page size; `sql` fetches one row more to learn whether a next page exists. */
  readonly limit: number;
}

/**
 * Builds the SQL of one page, newest first. Pages are keyed by id (`id < cursor`), not offset:
 * ids only grow, so rows inserted between two pages land before the first page and never shift
 * later pages (no duplicates, no gaps).
 * @throws {InvalidCursorError} when `cursor` was not produced by `encodeCursor`.
 */
export function buildListQuery(query: ListDeploymentsQuery): ListQuery {
  const limit = clampLimit(query.limit);
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: limit + 1 };
  if (query.cursor !== undefined) {
    where.push("id < @cursor");
    params["cursor"] = decodeCursor(query.cursor);
  }
  if (query.targetKey !== undefined) {
    where.push("target_key = @target_key");
    params["target_key"] = query.targetKey.toLowerCase();
  }
  if (query.image !== undefined) {
    const { image: name, tag } = splitImageReference(query.image);
    where.push("image = @image");
    params["image"] = name;
    if (tag !== undefined) {
      where.push("tag = @tag");
      params["tag"] = tag;
    }
  }
  const states = query.states === undefined ? [undefined] : [...new Set(query.states)];
  // One ordered index walk per state, merged: each arm reads at most one page of rows, where
  // `state IN (…) ORDER BY id` would sort every row in those states for every page.
  const arms = states.map((state, i) => {
    if (state !== undefined) params[`state${i}`] = state;
    const terms = state === undefined ? where : [...where, `state = @state${i}`];
    const filter = terms.length === 0 ? "" : `WHERE ${terms.join(" AND ")}`;
    return `SELECT * FROM deployments ${filter} ORDER BY id DESC LIMIT @limit`;
  });
  if (arms.length === 0) return { sql: "SELECT * FROM deployments WHERE 0 LIMIT @limit", params, limit };
  const [only] = arms;
  if (arms.length === 1 && only !== undefined) return { sql: only, params, limit };
  const union = arms.map((arm) => `SELECT * FROM (${arm})`).join(" UNION ALL ");
  return { sql: `${union} ORDER BY id DESC LIMIT @limit`, params, limit };
}

/** Page size within 1–`MAX_LIST_LIMIT` (fractions truncated, NaN taken as 1). */
export function clampLimit(limit: number): number {
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.trunc(limit) || 1));
}

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!isGeneratedId(DEPLOYMENT_ID_PREFIX, id) || encodeCursor(id) !== cursor) {
    throw new InvalidCursorError("the cursor is not one a previous page returned");
  }
  return id;
}
