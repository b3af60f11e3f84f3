import type { Deployment, DeploymentEvent } from "../domain/index.js";
import { findDeployment } from "./checks.js";
import type { OperationDeps } from "./operation-deps.js";

/** A deployment and its event log, oldest event first. */
export interface DeploymentDetails {
  readonly deployment: Deployment;
  readonly events: readonly DeploymentEvent[];
}

/** @throws {DeploymentNotFoundError} for an unknown id. */
export function showDeployment(deps: Pick<OperationDeps, "store">, id: string): DeploymentDetails {
  const deployment = findDeployment(deps.store, id);
  return { deployment, events: deps.store.events(deployment.id) };
}
