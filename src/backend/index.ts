/**
 * The seam between the deployment engine and an orchestrator: the {@link Backend} interface the
 * engine is typed against, the change feed, and {@link connectEnvironment}, the one place that
 * turns an environment's config into a connected backend (today Rancher 1.6 or its simulator).
 * @module
 */
export type {
  AppliedCheck,
  Backend,
  BackendConnection,
  BackendResolver,
  ChangeFeed,
  ChangeListener,
} from "./backend.js";
export {
  connectEnvironment,
  describeEnvironment,
  type ConnectOptions,
  type EnvironmentConnection,
  type SimulatorHandle,
  type SimulatorStarter,
} from "./connect-environment.js";
export {
  waitForService,
  POLL_INTERVAL_MS,
  POLL_INTERVAL_WITH_EVENTS_MS,
  type WaitForServiceOptions,
} from "./wait-for-service.js";
