/**
 * The durable record of deployments, their event logs, webhook deliveries and CI token ids.
 * Open it with {@link openStore}; everything else is the {@link DeploymentStore} interface.
 * @module
 */
export { openStore, type OpenStoreOptions } from "./open-store.js";
export { acquireProcessLock, type ProcessLock, type ProcessLockOptions } from "./process-lock.js";
export { MAX_FEED_PAGE } from "./deployment-store.js";
export type {
  CommitListener,
  DeliveryKey,
  DeploymentPage,
  DeploymentPatch,
  DeploymentStore,
  FeedFilter,
  ListDeploymentsQuery,
  NewDeployment,
  RecordDeliveryResult,
  TransitionInput,
} from "./deployment-store.js";
export { MAX_LIST_LIMIT } from "./build-list-query.js";
export {
  DeploymentNotFoundError,
  InvalidCursorError,
  StoreConflictError,
  StoreLockedError,
  StoreOpenError,
  StoreUnavailableError,
  STORE_RETRY_AFTER_SECONDS,
  type StoreConflictOptions,
} from "./store-errors.js";
