import type { Deployment } from "../domain/index.js";
import { findDeployment } from "./checks.js";
import type { OperationDeps } from "./operation-deps.js";

/**
 * Cancels a deployment (a queued one at once; a running one is stopped and rolled back if its
 * upgrade had started) and returns it as it is now.
 *
 * @throws {DeploymentNotFoundError} for an unknown id.
 * @throws {StoreConflictError} when it is over, or runs in another process.
 */
export function cancelDeployment(deps: Pick<OperationDeps, "store" | "engine">, id: string): Deployment {
  const deployment = findDeployment(deps.store, id);
  return deps.engine.cancel(deployment.id);
}
