export { OPERATOR_SOURCES, type ImagePush, type OperatorSource, type PushSource } from "./image-push.js";
export {
  DEPLOYMENT_STATES,
  TERMINAL_STATES,
  isSuccessful,
  isTerminal,
  targetKey,
  targetName,
  type Deployment,
  type DeploymentError,
  type DeploymentEvent,
  type FeedEvent,
  type DeploymentState,
  type DeploySettings,
  type DeployTarget,
} from "./deployment.js";
/** Docker's image reference grammar: split, normalise, format, fingerprint. */
export {
  canonicalImage,
  DIGEST_PATTERN,
  DOCKER_HUB_HOST,
  familiarImage,
  formatImageReference,
  imageFingerprint,
  isRegistryHost,
  MAX_IMAGE_NAME_LENGTH,
  normalizeImageName,
  parseImageReference,
  REGISTRY_HOST_PATTERN,
  REPOSITORY_PATTERN,
  splitImageName,
  splitImageReference,
  TAG_PATTERN,
  type ImageNameParts,
  type ImageNameResult,
  type ImageReferenceParts,
  type ImageReferenceResult,
  type ParsedImageReference,
  type NormalizedImage,
  type NormalizedImageResult,
} from "./image-reference.js";
export {
  formatTargetText,
  MAX_TARGET_TEXT_LENGTH,
  parseTargetText,
  TARGET_NAME,
  TARGET_NAME_PATTERN,
  type TargetTextResult,
} from "./target-text.js";
export { realTimers, sleepOn, type Timers } from "./timers.js";
export {
  rancherViewChanged,
  type KnownRancherView,
  type RancherContainerView,
  type RancherView,
  type RancherViewStatus,
} from "./target-view.js";
