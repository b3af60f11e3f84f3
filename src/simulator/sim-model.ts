/** Service states of Rancher 1.6 (Cattle v0.176+), docs/rancher-api.md §3.1–3.2. */
export const SERVICE_STATES = [
  "requested",
  "registering",
  "inactive",
  "activating",
  "active",
  "updating-active",
  "updating-inactive",
  "deactivating",
  "restarting",
  "upgrading",
  "upgraded",
  "finishing-upgrade",
  "canceling-upgrade",
  "canceled-upgrade",
  "rolling-back",
  "removing",
  "removed",
] as const;

export type ServiceState = (typeof SERVICE_STATES)[number];

/** Instance states the simulator walks through (docs/rancher-api.md §3.7). */
export type InstanceState =
  | "requested"
  | "creating"
  | "stopped"
  | "starting"
  | "running"
  | "stopping"
  | "restarting"
  | "error"
  | "removing"
  | "removed";

export type InstanceHealth =
  | "initializing"
  | "reinitializing"
  | "healthy"
  | "unhealthy"
  | "updating-healthy"
  | "updating-unhealthy"
  | null;

export type Transitioning = "yes" | "no" | "error";

/** Service kinds the simulator serves; only `service` and `loadBalancerService` run containers. */
export const SERVICE_KINDS = ["service", "loadBalancerService", "dnsService", "externalService"] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** A launch config as stored: Rancher's keys, kept whole (no `type`, `links`, `actions`). */
export type LaunchConfigMap = Record<string, unknown>;

/** Internal name of the primary launch config; sidekicks use their `name`. */
export const PRIMARY_LAUNCH_CONFIG = "io.rancher.service.primary.launch.config";
export const LAUNCH_CONFIG_LABEL = "io.rancher.service.launch.config";

export interface SimProject {
  readonly id: number;
  name: string;
  description: string | null;
  readonly uuid: string;
  readonly created: number;
  healthState: string;
}

export interface SimHost {
  readonly id: number;
  readonly projectId: number;
  readonly name: string;
  readonly uuid: string;
  readonly created: number;
}

export interface SimStack {
  readonly id: number;
  readonly projectId: number;
  name: string;
  description: string | null;
  state: "active" | "removing" | "removed";
  healthState: string;
  readonly uuid: string;
  readonly created: number;
  removed: number | null;
}

/** What an accepted upgrade asked for, kept for the loop, `continueupgrade` and `rollback`. */
export interface UpgradePlan {
  readonly batchSize: number;
  readonly intervalMillis: number;
  readonly startFirst: boolean;
  /** Launch config names being replaced (primary and/or sidekick names, including removed sidekicks). */
  readonly names: readonly string[];
  readonly previousLaunchConfig: LaunchConfigMap | null;
  readonly previousSecondaryLaunchConfigs: readonly LaunchConfigMap[];
  /** The `upgrade` field the API shows once the process has started. */
  readonly field: Record<string, unknown>;
}

/** A deployment unit: one primary container plus one per sidekick, on one host. */
export interface SimUnit {
  readonly uuid: string;
  readonly index: number;
  readonly hostId: number;
  /** While true, reconcile leaves the unit alone (startFirst=false: old containers still stopping). */
  hold: boolean;
}

export interface SimService {
  readonly id: number;
  readonly projectId: number;
  readonly stackId: number;
  name: string;
  readonly kind: ServiceKind;
  description: string | null;
  state: ServiceState;
  transitioning: Transitioning;
  transitioningMessage: string | null;
  healthState: string;
  scale: number;
  currentScale: number;
  launchConfig: LaunchConfigMap | null;
  secondaryLaunchConfigs: LaunchConfigMap[];
  /** The public `upgrade` field: null until the first upgrade, never cleared afterwards. */
  upgrade: Record<string, unknown> | null;
  /** The last accepted upgrade (available at once, unlike `upgrade`). */
  plan: UpgradePlan | null;
  retainIp: boolean | null;
  startOnCreate: boolean;
  metadata: Record<string, unknown> | null;
  readonly units: SimUnit[];
  nextUnitIndex: number;
  readonly uuid: string;
  readonly created: number;
  removed: number | null;
}

export interface SimContainer {
  readonly id: number;
  readonly projectId: number;
  readonly serviceId: number;
  readonly unitUuid: string;
  readonly launchConfigName: string;
  readonly name: string;
  readonly hostId: number;
  readonly imageUuid: string;
  readonly version: string;
  /** The launch config the container was built from. */
  readonly launchConfig: LaunchConfigMap;
  readonly createIndex: number;
  readonly ipAddress: string;
  readonly uuid: string;
  readonly externalId: string;
  readonly created: number;
  state: InstanceState;
  healthState: InstanceHealth;
  transitioningMessage: string | null;
  startCount: number;
  firstRunning: number | null;
  removed: number | null;
  /** The service map's `managed` flag: unmanaged containers do not count for reconcile. */
  managed: boolean;
  /** The service map's `upgrade` flag: an old container parked for rollback. */
  upgradeMarked: boolean;
  /** Why the container went to `error`, when it did. */
  failure: ContainerFailure | null;
}

/** Allocation (scheduling) failures and start (pull) failures read differently in Cattle's messages. */
export interface ContainerFailure {
  readonly kind: "allocate" | "start";
  readonly reason: string;
}

/** An API key: an environment key (one project) or an account key (several, or all). */
export interface SimApiKey {
  readonly accessKey: string;
  readonly secretKey: string;
  /** Environment keys: the project they belong to. */
  readonly projectId?: number;
  /** Account keys: projects they may use; `"all"` for every project. */
  readonly projectIds?: readonly number[] | "all";
}

/** Shown in lists and `instanceIds`: everything not `removed` (a `removing` container still is). */
export const isListed = (container: SimContainer): boolean => container.state !== "removed";

/** Alive for reconcile and waits: neither removing nor removed. */
export const isLiveInstance = (container: SimContainer): boolean =>
  container.state !== "removed" && container.state !== "removing";
