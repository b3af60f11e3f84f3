import type { Database } from "better-sqlite3";
import type { DeploymentEvent, DeploymentState } from "../domain/index.js";
import { TERMINAL_STATES } from "../domain/index.js";
import { DEPLOYMENT_COLUMNS, PATCH_SET_SQL, type DeploymentRow, type EventRow } from "./deployment-rows.js";

/** The named parameters of an event insert. */
export interface NewEvent {
  readonly deployment_id: string;
  readonly at: string;
  readonly state: DeploymentState;
  readonly kind: DeploymentEvent["kind"];
  readonly detail: string;
  readonly data: string | null;
}

/** Same text as the `deployments_active` partial index, so SQLite can use that index. */
const ACTIVE_SQL = `state NOT IN (${[...TERMINAL_STATES].map((state) => `'${state}'`).join(", ")})`;

/** Every fixed statement of the store, prepared once per connection. */
export function prepareStoreStatements(db: Database) {
  return {
    ping: db.prepare<[], unknown>("SELECT 1"),
    maxId: db.prepare<[], { id: string | null }>("SELECT max(id) AS id FROM deployments"),
    get: db.prepare<[string], DeploymentRow>("SELECT * FROM deployments WHERE id = ?"),
    insert: db.prepare<[DeploymentRow]>(
      `INSERT INTO deployments (${DEPLOYMENT_COLUMNS.join(", ")})
       VALUES (${DEPLOYMENT_COLUMNS.map((column) => `@${column}`).join(", ")})`,
    ),
    // The feed id is the next after the greatest (a seek on the unique index); the write
    // transaction is IMMEDIATE, so no other writer can take the same one.
    insertEvent: db.prepare<[NewEvent], EventRow>(
      `INSERT INTO deployment_events (deployment_id, seq, at, state, kind, detail, data, feed_id)
       VALUES (@deployment_id,
         (SELECT coalesce(max(seq), 0) + 1 FROM deployment_events WHERE deployment_id = @deployment_id),
         @at, @state, @kind, @detail, @data,
         (SELECT coalesce(max(feed_id), 0) + 1 FROM deployment_events))
       RETURNING *`,
    ),
    events: db.prepare<[string], EventRow>(
      "SELECT * FROM deployment_events WHERE deployment_id = ? ORDER BY seq",
    ),
    latestFeedId: db.prepare<[], { feed_id: number }>(
      "SELECT coalesce(max(feed_id), 0) AS feed_id FROM deployment_events",
    ),
    eventsAfter: db.prepare<[{ after: number; limit: number }], EventRow>(
      "SELECT * FROM deployment_events WHERE feed_id > @after ORDER BY feed_id LIMIT @limit",
    ),
    deploymentEventsAfter: db.prepare<[{ after: number; limit: number; deployment: string }], EventRow>(
      `SELECT * FROM deployment_events WHERE deployment_id = @deployment AND feed_id > @after
       ORDER BY feed_id LIMIT @limit`,
    ),
    targetEventsAfter: db.prepare<[{ after: number; limit: number; target: string }], EventRow>(
      `SELECT e.* FROM deployment_events AS e
       WHERE e.feed_id > @after
         AND e.deployment_id IN (SELECT id FROM deployments WHERE target_key = @target)
       ORDER BY e.feed_id LIMIT @limit`,
    ),
    listActive: db.prepare<[], DeploymentRow>(`SELECT * FROM deployments WHERE ${ACTIVE_SQL} ORDER BY id`),
    transition: db.prepare<[Record<string, string | number | null>], DeploymentRow>(
      `UPDATE deployments SET state = @to, updated_at = @now, ${PATCH_SET_SQL}
       WHERE id = @id AND state IN (SELECT value FROM json_each(@from)) AND ${ACTIVE_SQL}
       RETURNING *`,
    ),
    annotate: db.prepare<[Record<string, string | number | null>], DeploymentRow>(
      `UPDATE deployments SET updated_at = @now, ${PATCH_SET_SQL} WHERE id = @id RETURNING *`,
    ),
    deliveryById: db.prepare<[string, string], { id: number }>(
      "SELECT id FROM deliveries WHERE source = ? AND delivery_id = ?",
    ),
    deliveryByFingerprint: db.prepare<[string, string, string], { id: number }>(
      `SELECT id FROM deliveries WHERE source = ? AND fingerprint = ? AND received_at > ?
       ORDER BY received_at DESC, id DESC LIMIT 1`,
    ),
    insertDelivery: db.prepare<[string, string | null, string, string]>(
      "INSERT INTO deliveries (source, delivery_id, fingerprint, received_at) VALUES (?, ?, ?, ?)",
    ),
    linkDelivery: db.prepare<[number | bigint, number, string]>(
      "INSERT INTO delivery_deployments (delivery, position, deployment_id) VALUES (?, ?, ?)",
    ),
    deliveryDeployments: db.prepare<[number], DeploymentRow>(
      `SELECT d.* FROM delivery_deployments AS dd JOIN deployments AS d ON d.id = dd.deployment_id
       WHERE dd.delivery = ? ORDER BY dd.position`,
    ),
    succeeded: db.prepare<[string], Pick<DeploymentRow, "image" | "tag" | "previous_image">>(
      `SELECT image, tag, previous_image FROM deployments WHERE target_key = ? AND state = 'succeeded'
       ORDER BY finished_at DESC, id DESC`,
    ),
    latestPrimarySucceeded: db.prepare<[string], DeploymentRow>(
      `SELECT * FROM deployments WHERE target_key = ? AND state = 'succeeded' AND sidekick IS NULL
       ORDER BY finished_at DESC, id DESC LIMIT 1`,
    ),
    // A skip scan: one index seek per distinct target, not a pass over every deployment.
    targetKeys: db.prepare<[], { target_key: string }>(
      `WITH RECURSIVE keys(k) AS (
         SELECT MIN(target_key) FROM deployments
         UNION ALL
         SELECT (SELECT MIN(target_key) FROM deployments WHERE target_key > keys.k) FROM keys WHERE keys.k IS NOT NULL
       )
       SELECT k AS target_key FROM keys WHERE k IS NOT NULL`,
    ),
    byUpgradeVersion: db.prepare<[string, string], DeploymentRow>(
      `SELECT * FROM deployments WHERE target_key = ? AND upgrade_version = ? ORDER BY id DESC LIMIT 1`,
    ),
    // Rolled back by its caller: never stored, but it needs new pages like any real write.
    probe: db.prepare<[number]>(
      "INSERT INTO token_ids (jti, expires_at) VALUES ('~probe:' || hex(zeroblob(? / 2)), '')",
    ),
    purgeTokens: db.prepare<[string]>("DELETE FROM token_ids WHERE expires_at <= ?"),
    insertToken: db.prepare<[string, string]>(
      "INSERT OR IGNORE INTO token_ids (jti, expires_at) VALUES (?, ?)",
    ),
  };
}
