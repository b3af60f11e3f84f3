import { resolveSettings } from "../deploy/index.js";
import { isSuccessful, isTerminal, type Deployment } from "../domain/index.js";
import { StoreConflictError } from "../store/index.js";
import { ensureEnvironment, findDeployment } from "./checks.js";
import type { OperationDeps } from "./operation-deps.js";

/**
 * Deploys a failed, rolled-back or canceled deployment's image again, as a new deployment whose
 * `parentId` is the original (with the settings the config gives its target now).
 *
 * @throws {DeploymentNotFoundError} for an unknown id.
 * @throws {StoreConflictError} when the original succeeded, was skipped or superseded, or is not over.
 */
export function retryDeployment(
  deps: Pick<OperationDeps, "store" | "engine" | "config">,
  id: string,
  reqId?: string,
): Deployment {
  const original = findDeployment(deps.store, id);
  if (!isTerminal(original.state) || isSuccessful(original.state) || original.state === "superseded") {
    throw new StoreConflictError(
      `only failed, rolled-back or canceled deployments can be retried (this one is ${original.state})`,
    );
  }
  ensureEnvironment(deps.config(), original.target);
  return deps.engine.submit({
    target: original.target,
    image: original.image,
    tag: original.tag,
    ...(original.digest === undefined ? {} : { digest: original.digest }),
    source: "retry",
    ...(reqId === undefined ? {} : { reqId }),
    settings: resolveSettings(deps.config(), original.target),
    parentId: original.id,
  });
}
