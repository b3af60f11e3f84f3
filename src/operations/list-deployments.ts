import {
  DEPLOYMENT_STATES,
  parseImageReference,
  type Deployment,
  type DeploymentState,
} from "../domain/index.js";
import { PayloadInvalidError } from "../errors/index.js";
import { InvalidCursorError } from "../store/index.js";
import type { OperationDeps } from "./operation-deps.js";

/** The filters of a deployment listing, as given (text). */
export interface ListDeploymentsRequest {
  /** `environment/stack/service` (a sidekick shares its service's key), any case. */
  readonly target?: string | undefined;
  /** `state=a,b`: any of these states; empty means every state. */
  readonly state?: string | undefined;
  /** `name` or `name:tag`, normalised like the rules (`nginx:1.25` → `docker.io/library/nginx:1.25`). */
  readonly image?: string | undefined;
  readonly limit: number;
  /** A `nextCursor` a previous page returned. */
  readonly cursor?: string | undefined;
}

export interface DeploymentList {
  readonly items: readonly Deployment[];
  readonly nextCursor?: string;
}

/**
 * Deployments newest first, filtered and cursor-paginated.
 *
 * @throws {PayloadInvalidError} for an unknown state or an image filter that is not a name[:tag].
 * @throws {InvalidCursorError} for a cursor no page returned.
 */
export function listDeployments(
  deps: Pick<OperationDeps, "store">,
  request: ListDeploymentsRequest,
): DeploymentList {
  const states = parseStates(request.state);
  const image = request.image === undefined ? undefined : imageFilter(request.image);
  return deps.store.list({
    limit: request.limit,
    ...(request.target === undefined ? {} : { targetKey: request.target.toLowerCase() }),
    ...(states === undefined ? {} : { states }),
    ...(image === undefined ? {} : { image }),
    ...(request.cursor === undefined ? {} : { cursor: checkCursor(request.cursor) }),
  });
}

/** Cursors are short (an encoded id); a long one is refused before the store decodes it. */
function checkCursor(cursor: string): string {
  if (cursor.length > 200) throw new InvalidCursorError("the cursor is not one a previous page returned");
  return cursor;
}

/** `a,b` → the states (422 for an unknown one); an empty list means no filter. */
function parseStates(text: string | undefined): DeploymentState[] | undefined {
  const states = text?.split(",").filter((state) => state !== "");
  if (states === undefined || states.length === 0) return undefined;
  const unknown = states.find((state) => !(DEPLOYMENT_STATES as readonly string[]).includes(state));
  if (unknown !== undefined) throw new PayloadInvalidError(`unknown state "${unknown.slice(0, 40)}"`);
  return states as DeploymentState[];
}

/**
 * `name[:tag]` → the normalised name, with the tag if given (`nginx:1.25` →
 * `docker.io/library/nginx:1.25`); white space around it is ignored, as in the rules.
 */
function imageFilter(text: string): string {
  const parsed = parseImageReference(text.trim());
  if (!parsed.ok) {
    switch (parsed.part) {
      case "digest":
        throw new PayloadInvalidError("image: filter by name or name:tag, not digest");
      case "tag":
        throw new PayloadInvalidError("image: not a valid tag");
      case "name":
        throw new PayloadInvalidError(
          `invalid image name "${parsed.written.slice(0, 100)}": ${parsed.problem}`,
        );
    }
  }
  const { name, tag, digest } = parsed.value;
  if (digest !== undefined) throw new PayloadInvalidError("image: filter by name or name:tag, not digest");
  return tag === undefined ? name : `${name}:${tag}`;
}
