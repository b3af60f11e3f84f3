import type { Config, ConfigStatus } from "../config/index.js";
import type { DeploymentEngine } from "../deploy/index.js";
import type { RancherView } from "../domain/index.js";
import type { DeploymentStore } from "../store/index.js";

/** What the operations work on: the store, the engine and the config in force (read per call). */
export interface OperationDeps {
  readonly store: DeploymentStore;
  readonly engine: DeploymentEngine;
  readonly config: () => Config;
  /** Hash, load time and reload counters of the config in force (`show config`). */
  readonly configStatus: () => ConfigStatus;
  /** What Rancher runs for each target (the target monitor's current views). */
  readonly targets: { view(targetKey: string): RancherView };
}
