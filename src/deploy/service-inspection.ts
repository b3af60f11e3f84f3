import {
  LAUNCH_CONFIG_LABEL,
  PRIMARY_LAUNCH_CONFIG,
  PULL_IMAGE_LABEL,
  type Container,
  type LaunchConfig,
  type SecondaryLaunchConfig,
  type Service,
} from "../rancher/index.js";
import { familiarImage } from "../domain/index.js";

/** States in which Rancher is still working on the service (wait them out, don't act). */
export const TRANSITIONING_STATES: ReadonlySet<string> = new Set([
  "requested",
  "registering",
  "activating",
  "updating-active",
  "updating-inactive",
  "deactivating",
  "restarting",
  "upgrading",
  "finishing-upgrade",
  "canceling-upgrade",
  "rolling-back",
  "removing",
]);

/** Health states of a running container that count as healthy (`null`: no health check). */
const HEALTHY = new Set([null, undefined, "healthy", "updating-healthy"]);
const UNHEALTHY = new Set(["unhealthy", "updating-unhealthy"]);

/** `docker:registry/x:tag` → `registry/x:tag`. */
export function stripDockerPrefix(imageUuid: string | undefined | null): string | undefined {
  if (imageUuid === undefined || imageUuid === null) return undefined;
  return imageUuid.startsWith("docker:") ? imageUuid.slice("docker:".length) : imageUuid;
}

/** The launch config a target points at: the primary, or the named sidekick (case-insensitive). */
export function targetLaunchConfig(service: Service, sidekick: string): SecondaryLaunchConfig | undefined;
export function targetLaunchConfig(service: Service, sidekick: string | undefined): LaunchConfig | undefined;
export function targetLaunchConfig(service: Service, sidekick: string | undefined): LaunchConfig | undefined {
  if (sidekick === undefined) return service.launchConfig ?? undefined;
  const wanted = sidekick.toLowerCase();
  return (service.secondaryLaunchConfigs ?? []).find((config) => config.name.toLowerCase() === wanted);
}

/**
 * The target's launch config as it was before the service's latest in-service upgrade
 * (`upgrade.inServiceStrategy.previousLaunchConfig`, or the named sidekick in
 * `previousSecondaryLaunchConfigs`), when Rancher shows one.
 */
export function preUpgradeLaunchConfig(
  service: Service,
  sidekick: string | undefined,
): LaunchConfig | undefined {
  const upgrade = service.upgrade;
  if (typeof upgrade !== "object" || upgrade === null) return undefined;
  const strategy = (upgrade as { inServiceStrategy?: unknown }).inServiceStrategy;
  if (typeof strategy !== "object" || strategy === null) return undefined;
  const { previousLaunchConfig, previousSecondaryLaunchConfigs } = strategy as {
    previousLaunchConfig?: LaunchConfig | null;
    previousSecondaryLaunchConfigs?: readonly SecondaryLaunchConfig[] | null;
  };
  if (sidekick === undefined) return previousLaunchConfig ?? undefined;
  const wanted = sidekick.toLowerCase();
  return (previousSecondaryLaunchConfigs ?? []).find((config) => config.name.toLowerCase() === wanted);
}

/** The image (`name:tag`) the target's launch config runs, without `docker:`. */
export function currentImage(service: Service, sidekick: string | undefined): string | undefined {
  return stripDockerPrefix(targetLaunchConfig(service, sidekick)?.imageUuid);
}

/** The `name:tag` Rancher runs for a deployment. */
export function deploymentImage(deployment: { readonly image: string; readonly tag: string }): string {
  return `${familiarImage(deployment.image)}:${deployment.tag}`;
}

/**
 * A tag that may point at different content over time (`latest`, `stable`, `main`…): anything
 * that carries neither a version number nor a commit-hash-like run of hex digits.
 */
export function isMutableTag(tag: string): boolean {
  return !/\d+\.\d+/.test(tag) && !/[0-9a-f]{7,}/i.test(tag);
}

export interface UpgradeBodyInput {
  readonly service: Service;
  readonly sidekick: string | undefined;
  /** `name:tag` to run. */
  readonly image: string;
  readonly strategy: {
    readonly batchSize: number;
    readonly intervalMillis: number;
    readonly startFirst: boolean;
  };
  /** Ask Rancher to pull again even if the host has the tag (mutable tags, same-tag redeploys). */
  readonly forcePull: boolean;
}

/**
 * The `upgrade` action body (docs/rancher-api.md §4.4): the **whole** current launch config of the
 * target (Rancher replaces, never merges) with only `imageUuid` changed (and the pull label when
 * asked). A sidekick target sends only that sidekick, so the primary containers are left alone;
 * a primary target sends `secondaryLaunchConfigs: []`, which leaves the sidekicks alone.
 */
export function buildUpgradeBody(input: UpgradeBodyInput): Record<string, unknown> {
  const base = targetLaunchConfig(input.service, input.sidekick);
  if (base === undefined) throw new Error("target launch config missing");
  const labels = { ...(base.labels ?? {}) };
  if (input.forcePull) labels[PULL_IMAGE_LABEL] = "always";
  const launchConfig = { ...base, imageUuid: `docker:${input.image}`, labels };
  const strategy = {
    batchSize: input.strategy.batchSize,
    intervalMillis: Math.max(100, input.strategy.intervalMillis),
    startFirst: input.strategy.startFirst,
  };
  return {
    inServiceStrategy:
      input.sidekick === undefined
        ? { ...strategy, launchConfig, secondaryLaunchConfigs: [] }
        : { ...strategy, secondaryLaunchConfigs: [launchConfig] },
  };
}

export interface HealthReport {
  /** New-version containers that are running and healthy (or have no health check), never restarted. */
  readonly healthy: number;
  /** How many are needed (the service's scale). */
  readonly expected: number;
  /**
   * New-version containers that failed — reporting unhealthy, or restarted or no longer running
   * after having run (a crash: Rancher restarts a dying service container, so it shows only in
   * `startCount` and a passing stop/start), or replaced (see {@link watchNewContainers}): a
   * failure, not a wait.
   */
  readonly unhealthy: number;
  /** One line for the event log. */
  readonly summary: string;
  /** Ids of the live new-version containers (to notice replacements between two reports). */
  readonly containerIds?: readonly string[];
}

/** A new container that ran and then crashed: started more than once, or not running any more. */
function hasCrashed(instance: Container): boolean {
  if ((instance.startCount ?? 0) > 1) return true;
  const ran = instance.firstRunning !== undefined && instance.firstRunning !== null;
  return ran && instance.state !== "running";
}

const describeInstance = (instance: Container): string => {
  const base = `${instance.state}/${instance.healthState ?? "no-check"}`;
  const starts = instance.startCount ?? 0;
  return starts > 1 ? `${base} started ${String(starts)}×` : base;
};

/**
 * Judges the new-version containers of the target (docs/rancher-api.md §5.1): those whose launch
 * config label names the target and whose `version` is the launch config's current version.
 * Old containers kept stopped for rollback never count, whatever their last health state.
 */
export function inspectNewContainers(
  service: Service,
  instances: readonly Container[],
  sidekick: string | undefined,
): HealthReport {
  const config = targetLaunchConfig(service, sidekick);
  const version = config?.version;
  const label =
    sidekick === undefined ? PRIMARY_LAUNCH_CONFIG : (config as { name?: string } | undefined)?.name;
  const mine = instances.filter((instance) => {
    const instanceLabel = instance.labels?.[LAUNCH_CONFIG_LABEL];
    const sameConfig =
      instanceLabel === undefined
        ? sidekick === undefined
        : instanceLabel.toLowerCase() === (label ?? "").toLowerCase();
    return (
      sameConfig &&
      instance.version === version &&
      instance.state !== "removed" &&
      instance.state !== "purged"
    );
  });
  const crashed = new Set(mine.filter(hasCrashed));
  const running = mine.filter((instance) => instance.state === "running" && !crashed.has(instance));
  const healthy = running.filter((instance) => HEALTHY.has(instance.healthState ?? null)).length;
  const unhealthy =
    running.filter((instance) => UNHEALTHY.has(instance.healthState ?? "")).length + crashed.size;
  const expected = Math.max(1, service.scale ?? 1);
  const states = mine.map(describeInstance).sort();
  return {
    healthy,
    expected,
    unhealthy,
    summary: `${healthy}/${expected} healthy [${states.join(", ")}]`,
    containerIds: mine.map((instance) => instance.id).sort(),
  };
}

/**
 * Watches the new containers over one soak: returns a function that passes each report through,
 * unless a new container seen earlier is gone (Rancher removed and replaced it — a crash or a
 * failed health check between two looks), which it counts as a failure (`unhealthy`).
 */
export function watchNewContainers(): (report: HealthReport) => HealthReport {
  const seen = new Set<string>();
  return (report) => {
    const now = new Set(report.containerIds ?? []);
    const gone = [...seen].filter((id) => !now.has(id));
    for (const id of now) seen.add(id);
    if (gone.length === 0) return report;
    return {
      ...report,
      unhealthy: report.unhealthy + gone.length,
      summary: `${report.summary}; replaced: ${gone.join(", ")}`,
    };
  };
}
