import type { Database } from "better-sqlite3";
import { StoreOpenError } from "./store-errors.js";

/**
 * Schema migrations, oldest first. Migration `i` brings the schema to version `i + 1`
 * (`PRAGMA user_version`). Append only: never edit a migration that has shipped.
 *
 * Times are ISO-8601 UTC strings from `Date#toISOString` (fixed width, so they sort as text).
 * `superseded_by` and `parent_id` are soft references (no foreign key): a deployment may point
 * at one that an operator later deletes by hand.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE deployments (
    id             TEXT PRIMARY KEY,
    environment    TEXT NOT NULL,
    stack          TEXT NOT NULL,
    service        TEXT NOT NULL,
    sidekick       TEXT,
    target_key     TEXT NOT NULL,
    image          TEXT NOT NULL,
    tag            TEXT NOT NULL,
    digest         TEXT,
    state          TEXT NOT NULL,
    source         TEXT NOT NULL,
    delivery_id    TEXT,
    req_id         TEXT,
    settings       TEXT NOT NULL CHECK (json_valid(settings)),
    previous_image TEXT,
    project_id     TEXT,
    service_id     TEXT,
    pending_action TEXT,
    error          TEXT CHECK (error IS NULL OR json_valid(error)),
    superseded_by  TEXT,
    parent_id      TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    started_at     TEXT,
    finished_at    TEXT
  );
  CREATE INDEX deployments_by_target ON deployments (target_key, id);
  CREATE INDEX deployments_by_target_state ON deployments (target_key, state, id);
  CREATE INDEX deployments_by_state ON deployments (state, id);
  CREATE INDEX deployments_by_image ON deployments (image, id);
  CREATE INDEX deployments_by_image_tag ON deployments (image, tag, id);
  CREATE INDEX deployments_active ON deployments (id)
    WHERE state NOT IN ('superseded', 'skipped', 'succeeded', 'rolled-back', 'failed', 'canceled');
  CREATE INDEX deployments_succeeded ON deployments (target_key, finished_at, id)
    WHERE state = 'succeeded';

  CREATE TABLE deployment_events (
    deployment_id TEXT NOT NULL REFERENCES deployments (id),
    seq           INTEGER NOT NULL,
    at            TEXT NOT NULL,
    state         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    detail        TEXT NOT NULL,
    data          TEXT CHECK (data IS NULL OR json_valid(data)),
    PRIMARY KEY (deployment_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    delivery_id TEXT,
    fingerprint TEXT NOT NULL,
    received_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX deliveries_by_delivery_id ON deliveries (source, delivery_id)
    WHERE delivery_id IS NOT NULL;
  CREATE INDEX deliveries_by_fingerprint ON deliveries (source, fingerprint, received_at);

  CREATE TABLE delivery_deployments (
    delivery     INTEGER NOT NULL REFERENCES deliveries (id),
    position     INTEGER NOT NULL,
    deployment_id TEXT NOT NULL REFERENCES deployments (id),
    PRIMARY KEY (delivery, position)
  ) WITHOUT ROWID;
  CREATE INDEX delivery_deployments_by_deployment ON delivery_deployments (deployment_id);

  CREATE TABLE token_ids (
    jti        TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX token_ids_by_expiry ON token_ids (expires_at);
  `,
  // 2: Docker Hub's legacy callback URL, kept with the deployment so the terminal state can be
  // reported even after a restart.
  `ALTER TABLE deployments ADD COLUMN callback_url TEXT;`,
  // 3: whose upgrade the service runs. `previous_version` is the target launch config's version
  // before drover's upgrade, `upgrade_version` the version that upgrade created (Rancher stamps a
  // new one on every upgrade), so a change by another actor is told apart from drover's own.
  `
  ALTER TABLE deployments ADD COLUMN previous_version TEXT;
  ALTER TABLE deployments ADD COLUMN upgrade_version TEXT;
  CREATE INDEX deployments_by_upgrade_version ON deployments (target_key, upgrade_version)
    WHERE upgrade_version IS NOT NULL;
  `,
  // 4: the global event feed. Every event gets `feed_id`, strictly increasing in commit order
  // (assigned by the insert, in the writing transaction), so a live reader resumes after the last
  // one it saw. Rows written before this migration are numbered in (at, deployment, seq) order.
  `
  ALTER TABLE deployment_events ADD COLUMN feed_id INTEGER NOT NULL DEFAULT 0;
  UPDATE deployment_events SET feed_id = numbered.n
    FROM (SELECT deployment_id, seq, row_number() OVER (ORDER BY at, deployment_id, seq) AS n
          FROM deployment_events) AS numbered
    WHERE numbered.deployment_id = deployment_events.deployment_id AND numbered.seq = deployment_events.seq;
  CREATE UNIQUE INDEX deployment_events_by_feed ON deployment_events (feed_id);
  `,
];

/**
 * Brings the schema up to `migrations.length`, running every pending migration and the
 * `user_version` bump in one transaction (all or nothing).
 * @throws {StoreOpenError} when the database is at a newer version than `migrations` knows.
 */
export function applyMigrations(db: Database, migrations: readonly string[] = MIGRATIONS): void {
  const run = db.transaction(() => {
    const current = readUserVersion(db);
    if (current > migrations.length) {
      throw new StoreOpenError(
        `database schema is at version ${current} but this build knows only up to ${migrations.length}; ` +
          "refusing to downgrade. To resolve, run a drover release at least as new as the one that wrote it, " +
          "or point DB_PATH at another file",
      );
    }
    for (const sql of migrations.slice(current)) db.exec(sql);
    if (current < migrations.length) db.pragma(`user_version = ${migrations.length}`);
  });
  run.immediate();
}

/** The schema version recorded in the database header (0 for a new file). */
export function readUserVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}
