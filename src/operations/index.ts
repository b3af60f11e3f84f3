/**
 * The operations layer: one plain function per use case over explicit dependencies (store,
 * engine, config), returning a typed result or throwing an `AppError`. HTTP routes and CLI
 * commands are thin adapters around these: parse input → call → render.
 * @module
 */
export { createOperations, type Operations, type OperationsDeps } from "./create-operations.js";
export type { OperationDeps } from "./operation-deps.js";
export { UnknownEnvironmentError } from "./operation-errors.js";
export {
  DEDUPE_WINDOW_MS,
  ingestDelivery,
  type IngestDeps,
  type IngestDelivery,
  type IngestResult,
  type IngestScope,
} from "./ingest-delivery.js";
export { deployManually, prepareManualDeployment, type ManualDeployRequest } from "./deploy-manually.js";
export { retryDeployment } from "./retry-deployment.js";
export { cancelDeployment } from "./cancel-deployment.js";
export { rollBackTarget } from "./roll-back-target.js";
export { listDeployments, type DeploymentList, type ListDeploymentsRequest } from "./list-deployments.js";
export { showDeployment, type DeploymentDetails } from "./show-deployment.js";
export { listTargets, showTarget, type TargetView, type TargetViewDeps } from "./list-targets.js";
export {
  FOLLOW_POLL_MS,
  followDeployment,
  type FollowClock,
  type FollowDeps,
  type FollowOptions,
} from "./follow-deployment.js";
export { showConfig, type ConfigSummary } from "./show-config.js";
export {
  summarizeDeployment,
  waitForDeployments,
  type DeploymentSummary,
  type DeploymentWatch,
  type WaitEnd,
  type WaitResult,
} from "./wait-for-deployments.js";
export * from "./check-targets.js";
export {
  MAX_REPLAY,
  changeOf,
  createLiveEvents,
  type ConfigChangeSource,
  type DeploymentChange,
  type LiveConfigEvent,
  type LiveDeploymentEvent,
  type LiveEvent,
  type LiveEvents,
  type LiveEventsDeps,
  type LiveFilter,
  type LiveReplay,
  type LiveResetEvent,
  type LiveTargetEvent,
  type TargetChangeSource,
} from "./live-events.js";
