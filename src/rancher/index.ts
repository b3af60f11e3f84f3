export { RancherClient, type RancherClientOptions, type ServiceRef } from "./rancher-client.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./rancher-http.js";
export {
  RancherApiError,
  RancherAuthError,
  RancherNotFoundError,
  RancherTimeoutError,
  RancherUnavailableError,
} from "./rancher-errors.js";
export { ResourceEvents, type ResourceChange, type ResourceEventsOptions } from "./resource-events.js";
export {
  isRemoved,
  LAUNCH_CONFIG_LABEL,
  PRIMARY_LAUNCH_CONFIG,
  PULL_IMAGE_LABEL,
  SERVICE_STATES,
  UPGRADEABLE_STATES,
  type Collection,
  type Container,
  type LaunchConfig,
  type SecondaryLaunchConfig,
  type Service,
  type ServiceState,
} from "./rancher-types.js";
