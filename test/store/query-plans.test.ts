import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { buildListQuery } from "../../src/store/build-list-query.js";
import { applyMigrations } from "../../src/store/migrations.js";
import { prepareStoreStatements } from "../../src/store/store-statements.js";

/** Plan lines that read a whole table (or a whole non-partial index) instead of searching it. */
function fullScans(db: Database.Database, sql: string, params: Record<string, unknown> = {}): string[] {
  return db
    .prepare<[Record<string, unknown>], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(params)
    .map((row) => row.detail)
    .filter((detail) =>
      /^SCAN (deployments|deployment_events|deliveries|delivery_deployments|token_ids)\b/.test(detail),
    )
    .filter((detail) => !detail.includes("USING INDEX deployments_active"));
}

function sortSteps(db: Database.Database, sql: string, params: Record<string, unknown>): string[] {
  return db
    .prepare<[Record<string, unknown>], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(params)
    .map((row) => row.detail)
    .filter((detail) => detail.includes("TEMP B-TREE"));
}

/** Binds every parameter of `sql` to a literal so its plan can be explained without values. */
function withLiterals(sql: string): string {
  return sql.replace(/@\w+|\?/g, "'x'");
}

describe("SqliteDeploymentStore", () => {
  it("uses an index for every fixed statement", () => {
    const db = new Database(":memory:");
    applyMigrations(db);
    const statements = Object.entries(prepareStoreStatements(db));

    const scans = statements.flatMap(([name, statement]) =>
      fullScans(db, withLiterals(statement.source)).map((detail) => `${name}: ${detail}`),
    );

    expect(statements.length).toBeGreaterThan(10);
    expect(scans).toEqual([]);
  });

  it("uses an index for every filtered list query", () => {
    const db = new Database(":memory:");
    applyMigrations(db);
    const cursor = Buffer.from(`d_${"0".repeat(26)}`).toString("base64url");
    const queries = [
      { cursor },
      { targetKey: "a/b/c" },
      { targetKey: "a/b/c", states: ["succeeded" as const] },
      { targetKey: "a/b/c", states: ["succeeded" as const, "failed" as const], cursor },
      { states: ["queued" as const, "preparing" as const, "upgrading" as const] },
      { image: "shop/frontend", cursor },
      { image: "shop/frontend:1.0.0" },
    ];

    const scans = queries.flatMap((query) => {
      const { sql, params } = buildListQuery({ ...query, limit: 50 });
      // A single walk must come out of its index in id order; only a merge of walks may sort (one page each).
      const sorts = sql.includes("UNION ALL") ? [] : sortSteps(db, sql, params);
      return [...fullScans(db, sql, params), ...sorts].map((detail) => `${JSON.stringify(query)}: ${detail}`);
    });

    expect(scans).toEqual([]);
  });
});
