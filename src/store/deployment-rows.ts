import type {
  Deployment,
  DeploymentError,
  DeploymentEvent,
  DeploymentState,
  DeploySettings,
  FeedEvent,
} from "../domain/index.js";
import { targetKey } from "../domain/index.js";
import type { DeploymentPatch, NewDeployment } from "./deployment-store.js";

/** A row of `deployments`, as better-sqlite3 reads and writes it. */
export interface DeploymentRow {
  readonly id: string;
  readonly environment: string;
  readonly stack: string;
  readonly service: string;
  readonly sidekick: string | null;
  readonly target_key: string;
  readonly image: string;
  readonly tag: string;
  readonly digest: string | null;
  readonly state: string;
  readonly source: string;
  readonly delivery_id: string | null;
  readonly req_id: string | null;
  /** JSON of `DeploySettings`. */
  readonly settings: string;
  readonly previous_image: string | null;
  readonly project_id: string | null;
  readonly service_id: string | null;
  readonly pending_action: string | null;
  /** JSON of `DeploymentError`. */
  readonly error: string | null;
  readonly superseded_by: string | null;
  readonly parent_id: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly callback_url: string | null;
  readonly previous_version: string | null;
  readonly upgrade_version: string | null;
}

/** Every column of `deployments`, in table order. */
export const DEPLOYMENT_COLUMNS = [
  "id",
  "environment",
  "stack",
  "service",
  "sidekick",
  "target_key",
  "image",
  "tag",
  "digest",
  "state",
  "source",
  "delivery_id",
  "req_id",
  "settings",
  "previous_image",
  "project_id",
  "service_id",
  "pending_action",
  "error",
  "superseded_by",
  "parent_id",
  "created_at",
  "updated_at",
  "started_at",
  "finished_at",
  "callback_url",
  "previous_version",
  "upgrade_version",
] as const satisfies readonly (keyof DeploymentRow)[];

/** A row of `deployment_events`. */
export interface EventRow {
  readonly deployment_id: string;
  readonly seq: number;
  readonly at: string;
  readonly state: string;
  readonly kind: string;
  readonly detail: string;
  /** JSON object, or null. */
  readonly data: string | null;
  /** Place in the global event feed (migration 4). */
  readonly feed_id: number;
}

/** The columns a `DeploymentPatch` may set, in the order of its fields. */
export const PATCH_COLUMNS = [
  "previous_image",
  "project_id",
  "service_id",
  "pending_action",
  "error",
  "superseded_by",
  "started_at",
  "finished_at",
  "previous_version",
  "upgrade_version",
] as const;

type PatchColumn = (typeof PATCH_COLUMNS)[number];

/**
 * Named parameters for the patch part of an UPDATE: `set_<column>` is 1 when the patch names the
 * field (a value, or `null` to clear it) and 0 when the field is left as it is.
 */
export type PatchParams = Record<PatchColumn | `set_${PatchColumn}`, string | number | null>;

export function rowToDeployment(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    target: {
      environment: row.environment,
      stack: row.stack,
      service: row.service,
      ...optional("sidekick", row.sidekick),
    },
    targetKey: row.target_key,
    image: row.image,
    tag: row.tag,
    ...optional("digest", row.digest),
    state: row.state as DeploymentState,
    source: row.source,
    ...optional("deliveryId", row.delivery_id),
    ...optional("reqId", row.req_id),
    settings: JSON.parse(row.settings) as DeploySettings,
    ...optional("previousImage", row.previous_image),
    ...optional("projectId", row.project_id),
    ...optional("serviceId", row.service_id),
    ...optional("pendingAction", row.pending_action),
    ...optional("error", row.error === null ? null : (JSON.parse(row.error) as DeploymentError)),
    ...optional("supersededBy", row.superseded_by),
    ...optional("parentId", row.parent_id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...optional("startedAt", row.started_at),
    ...optional("finishedAt", row.finished_at),
    ...optional("callbackUrl", row.callback_url),
    ...optional("previousVersion", row.previous_version),
    ...optional("upgradeVersion", row.upgrade_version),
  };
}

/** The row of a deployment being created: state `queued`, created and updated `now`. */
export function newDeploymentToRow(input: NewDeployment, id: string, now: string): DeploymentRow {
  return {
    id,
    environment: input.target.environment,
    stack: input.target.stack,
    service: input.target.service,
    sidekick: input.target.sidekick ?? null,
    target_key: targetKey(input.target),
    image: input.image,
    tag: input.tag,
    digest: input.digest ?? null,
    state: "queued",
    source: input.source,
    delivery_id: input.deliveryId ?? null,
    req_id: input.reqId ?? null,
    settings: JSON.stringify(input.settings),
    previous_image: null,
    project_id: null,
    service_id: null,
    pending_action: null,
    error: null,
    superseded_by: null,
    parent_id: input.parentId ?? null,
    created_at: now,
    updated_at: now,
    started_at: null,
    finished_at: null,
    callback_url: input.callbackUrl ?? null,
    previous_version: null,
    upgrade_version: null,
  };
}

export function rowToEvent(row: EventRow): DeploymentEvent {
  return {
    seq: row.seq,
    deploymentId: row.deployment_id,
    at: row.at,
    state: row.state as DeploymentState,
    kind: row.kind as DeploymentEvent["kind"],
    detail: row.detail,
    ...optional("data", row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>)),
  };
}

/** An event with its place in the global feed (`feedId` first, as the event stream shows it). */
export function rowToFeedEvent(row: EventRow): FeedEvent {
  return { feedId: row.feed_id, ...rowToEvent(row) };
}

/** Maps a patch to UPDATE parameters: `undefined` leaves a column, `null` clears it. */
export function patchToParams(patch: DeploymentPatch = {}): PatchParams {
  const values: Record<PatchColumn, string | null | undefined> = {
    previous_image: patch.previousImage,
    project_id: patch.projectId,
    service_id: patch.serviceId,
    pending_action: patch.pendingAction,
    error: patch.error === undefined || patch.error === null ? patch.error : JSON.stringify(patch.error),
    superseded_by: patch.supersededBy,
    started_at: patch.startedAt,
    finished_at: patch.finishedAt,
    previous_version: patch.previousVersion,
    upgrade_version: patch.upgradeVersion,
  };
  const params: Partial<PatchParams> = {};
  for (const column of PATCH_COLUMNS) {
    const value = values[column];
    params[column] = value ?? null;
    params[`set_${column}`] = value === undefined ? 0 : 1;
  }
  return params as PatchParams;
}

/** The `SET` terms applying `PatchParams` (see `patchToParams`). */
export const PATCH_SET_SQL = PATCH_COLUMNS.map(
  (column) => `${column} = CASE WHEN @set_${column} THEN @${column} ELSE ${column} END`,
).join(",\n  ");

function optional<K extends string, V>(key: K, value: V | null): Partial<Record<K, V>> {
  return value === null ? {} : ({ [key]: value } as Record<K, V>);
}
