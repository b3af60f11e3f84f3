export { OPERATOR_SOURCES, type ImagePush, type OperatorSource, type PushSource } from "./image-push.js";
export {
  DEPLOYMENT_STATES,
  TERMINAL_STATES,
  isTerminal,
  targetKey,
  targetName,
  type Deployment,
  type DeploymentError,
  type DeploymentEvent,
  type DeploymentState,
  type DeploySettings,
  type DeployTarget,
} from "./deployment.js";
export { splitImageReference, type ImageReferenceParts } from "./split-image-reference.js";
