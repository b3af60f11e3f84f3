/** Service states of Rancher 1.6 (Cattle v0.176+), as the API spells them; others become `unknown`. */
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

export type ServiceState = (typeof SERVICE_STATES)[number] | "unknown";

/** States from which `upgrade` is offered (docs/rancher-api.md §3.1). */
export const UPGRADEABLE_STATES: ReadonlySet<string> = new Set([
  "active",
  "inactive",
  "activating",
  "updating-active",
]);

/** States of a resource that is being or has been removed (still readable by id in Rancher 1.6). */
const GONE_STATES: ReadonlySet<string> = new Set(["removing", "removed", "purging", "purged"]);

/** True for a resource that is removed or being removed: its id no longer names a live object. */
export function isRemoved(resource: { readonly state: string; readonly removed?: string | null }): boolean {
  return GONE_STATES.has(resource.state) || (resource.removed ?? null) !== null;
}

/** A launch config as Rancher returns it: kept whole (the upgrade body must carry every key). */
export type LaunchConfig = Readonly<Record<string, unknown>> & {
  readonly imageUuid?: string;
  readonly version?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly healthCheck?: unknown;
};

/** A sidekick launch config: a launch config with its `name`. */
export type SecondaryLaunchConfig = LaunchConfig & { readonly name: string };

export interface RancherResource {
  readonly id: string;
  readonly type: string;
  readonly name?: string | null;
  readonly state: string;
  readonly links: Readonly<Record<string, string>>;
  readonly actions: Readonly<Record<string, string>>;
  readonly transitioning?: "yes" | "no" | "error" | null;
  readonly transitioningMessage?: string | null;
  /** When the resource was removed (ISO-8601); removed resources stay readable by id. */
  readonly removed?: string | null;
}

export interface Service extends RancherResource {
  readonly kind?: string;
  readonly accountId?: string;
  readonly stackId?: string;
  readonly environmentId?: string;
  readonly scale?: number | null;
  readonly currentScale?: number | null;
  readonly healthState?: string | null;
  readonly launchConfig?: LaunchConfig | null;
  readonly secondaryLaunchConfigs?: readonly SecondaryLaunchConfig[] | null;
  readonly upgrade?: unknown;
}

export interface Container extends RancherResource {
  readonly imageUuid?: string | null;
  readonly version?: string | null;
  readonly healthState?: string | null;
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly serviceIds?: readonly string[] | null;
  /** How often the container was started (1 after its first start; more after a crash and restart). */
  readonly startCount?: number | null;
  /** When it first reached `running` (ISO-8601); null if it never ran. */
  readonly firstRunning?: string | null;
}

export interface Collection<T> {
  readonly type: "collection";
  readonly data: readonly T[];
  readonly pagination?: { readonly next?: string | null; readonly partial?: boolean } | null;
}

/** The label on containers naming their launch config (`io.rancher.service.primary.launch.config` or a sidekick name). */
export const LAUNCH_CONFIG_LABEL = "io.rancher.service.launch.config";
export const PRIMARY_LAUNCH_CONFIG = "io.rancher.service.primary.launch.config";
/** Launch config label asking Rancher to pull the image again even when the tag is known. */
export const PULL_IMAGE_LABEL = "io.rancher.container.pull_image";
