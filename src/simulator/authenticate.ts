import { createHash, timingSafeEqual } from "node:crypto";
import { parseId } from "./sim-ids.js";
import type { SimApiKey } from "./sim-model.js";
import type { SimState } from "./sim-state.js";
import { SimApiError } from "./sim-errors.js";

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/** The challenge Cattle sends with a 401 (BasicAuthImpl). */
export const BASIC_CHALLENGE = 'Basic realm="Enter API access key and secret key as username and password"';

/**
 * HTTP Basic auth with an API key (docs/rancher-api.md §1.5): username = access key, password =
 * secret key. Missing or wrong credentials → 401 `Unauthorized`.
 */
export function authenticate(state: SimState, authorization: string | undefined): SimApiKey {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
  const decoded = match?.[1] === undefined ? "" : Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon > 0) {
    const access = decoded.slice(0, colon);
    const secret = digest(decoded.slice(colon + 1));
    const key = state.keys.find((candidate) => candidate.accessKey === access);
    if (key !== undefined && timingSafeEqual(digest(key.secretKey), secret)) return key;
  }
  throw new SimApiError(401);
}

/** Whether a key may use a project. */
export function canReach(key: SimApiKey, projectId: number): boolean {
  if (key.projectId !== undefined) return key.projectId === projectId;
  return key.projectIds === "all" || (key.projectIds ?? []).includes(projectId);
}

/**
 * The project a request works in (docs/rancher-api.md §1.3): from `/projects/{id}` in the path, else the
 * `X-API-Project-Id` header or `projectId` query parameter, else an environment key's own
 * project. An unknown, unparseable or unreachable project → 403 `Forbidden`. Account keys that
 * name no project work in their own (empty) account: undefined.
 */
export function resolveProject(
  state: SimState,
  key: SimApiKey,
  requested: string | undefined,
): number | undefined {
  if (requested === undefined) return key.projectId;
  const id = parseId(requested);
  if (id === undefined || !state.projects.has(id) || !canReach(key, id)) throw new SimApiError(403);
  return id;
}
