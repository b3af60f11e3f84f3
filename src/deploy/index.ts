export { DeploymentEngine, DEFAULT_CONCURRENCY, type EngineStats } from "./deployment-engine.js";
export type { DeployContext } from "./deploy-context.js";
export { runDeployment, type RunOptions, type StartStep } from "./run-deployment.js";
export { planRecovery, type RecoveryPlan } from "./plan-recovery.js";
export {
  buildUpgradeBody,
  currentImage,
  deploymentImage,
  inspectNewContainers,
  isMutableTag,
  targetLaunchConfig,
  type HealthReport,
} from "./service-inspection.js";
export {
  RancherPool,
  type RancherPoolOptions,
  type SimulatorHandle,
  type SimulatorStarter,
} from "./rancher-pool.js";
export { resolveSettings } from "./resolve-settings.js";
export { belongsToLaunchConfig, deriveRancherView } from "./rancher-view.js";
export {
  ENVIRONMENT_NOT_CONFIGURED,
  monitoredTargets,
  TARGET_DEBOUNCE_MS,
  TARGET_POLL_MS,
  TARGET_POLL_WITHOUT_FEED_MS,
  TARGET_READ_CONCURRENCY,
  TargetMonitor,
  type MonitoredTarget,
  type TargetMonitorOptions,
  type TargetViewListener,
} from "./target-monitor.js";
