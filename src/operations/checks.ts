import type { Config } from "../config/index.js";
import type { Deployment, DeployTarget } from "../domain/index.js";
import { DeploymentNotFoundError, type DeploymentStore } from "../store/index.js";
import { UnknownEnvironmentError } from "./operation-errors.js";

/** @throws {UnknownEnvironmentError} unless the config defines the target's environment. */
export function ensureEnvironment(config: Config, target: DeployTarget): void {
  // Own keys only: `constructor`, `__proto__` and friends are not environments.
  if (!Object.hasOwn(config.environments, target.environment))
    throw new UnknownEnvironmentError(target.environment);
}

/** @throws {DeploymentNotFoundError} when no deployment has this id. */
export function findDeployment(store: Pick<DeploymentStore, "get">, id: string): Deployment {
  const deployment = store.get(id);
  if (deployment === undefined) throw new DeploymentNotFoundError(`deployment ${id.slice(0, 60)} not found`);
  return deployment;
}
