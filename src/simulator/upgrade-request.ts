import { randomUUID } from "node:crypto";
import type { InputMap } from "./input-fields.js";
import {
  asText,
  isInputMap,
  isValidImageUuid,
  normaliseLaunchConfig,
  readBoolean,
  readInt,
  readObject,
  readString,
} from "./input-fields.js";
import type { LaunchConfigMap, SimService, UpgradePlan } from "./sim-model.js";
import { PRIMARY_LAUNCH_CONFIG } from "./sim-model.js";
import { validationError } from "./sim-errors.js";

/** A `serviceUpgrade` body after input conversion (docs/rancher-api.md §4.1), before the upgrade filters. */
export interface UpgradeRequest {
  readonly inService: {
    readonly batchSize: number;
    readonly intervalMillis: number;
    readonly startFirst: boolean;
    readonly launchConfig: InputMap | null;
    readonly secondaryLaunchConfigs: readonly InputMap[] | null;
  } | null;
  readonly toService: InputMap | null;
}

/** Sidekick image that means "remove this sidekick" (compose's convention, docs/rancher-api.md §4.2). */
export const REMOVE_SIDEKICK_IMAGE = "rancher/none";

const GLOBAL_LABEL = "io.rancher.scheduler.global";

/** Step 5 of docs/rancher-api.md §3.5: convert and check the body against the input schema (422 with field codes). */
export function parseUpgradeBody(body: InputMap): UpgradeRequest {
  const strategy = readObject(body, "inServiceStrategy");
  const toService = readObject(body, "toServiceStrategy");
  if (strategy === null) return { inService: null, toService };
  const rawSidekicks = strategy["secondaryLaunchConfigs"];
  let sidekicks: InputMap[] | null = null;
  if (rawSidekicks !== undefined && rawSidekicks !== null) {
    if (!Array.isArray(rawSidekicks) || !rawSidekicks.every(isInputMap)) {
      throw validationError("InvalidFormat", "secondaryLaunchConfigs");
    }
    sidekicks = rawSidekicks;
    for (const sidekick of sidekicks) {
      if (readString(sidekick, "name") === undefined) throw validationError("MissingRequired", "name");
    }
  }
  return {
    inService: {
      batchSize: readInt(strategy, "batchSize", 1, 1),
      intervalMillis: readInt(strategy, "intervalMillis", 2000, 100),
      startFirst: readBoolean(strategy, "startFirst", false),
      launchConfig: readObject(strategy, "launchConfig"),
      secondaryLaunchConfigs: sidekicks,
    },
    toService,
  };
}

const hasGlobalLabel = (config: LaunchConfigMap | null | undefined): boolean => {
  const labels = config?.["labels"];
  return isInputMap(labels) && asText(labels[GLOBAL_LABEL]).toLowerCase() === "true";
};

/** Step 6 of docs/rancher-api.md §3.5: the upgrade filters of docs/rancher-api.md §4.1 (sentences in `fieldName`, as Cattle does). */
export function checkUpgrade(
  service: SimService,
  request: UpgradeRequest,
): NonNullable<UpgradeRequest["inService"]> {
  const strategy = request.inService;
  if (strategy === null) {
    if (request.toService === null)
      throw validationError("MissingRequired", "Upgrade strategy needs to be set");
    throw validationError("InvalidOption", "toServiceStrategy upgrades are not modelled by the simulator");
  }
  const { launchConfig, secondaryLaunchConfigs } = strategy;
  if (launchConfig === null && (secondaryLaunchConfigs === null || secondaryLaunchConfigs.length === 0)) {
    throw validationError(
      "InvalidOption",
      "LaunchConfig/secondaryLaunchConfigs need to be specified for inService strategy",
    );
  }
  if (service.kind === "loadBalancerService" && launchConfig === null) {
    throw validationError("InvalidOption", "LaunchConfig is required for load balancer service");
  }
  if (strategy.startFirst && service.retainIp === true) {
    throw validationError(
      "InvalidOption",
      "StartFirst option can't be used for service with retainIp field set",
    );
  }
  if (launchConfig !== null && hasGlobalLabel(launchConfig) !== hasGlobalLabel(service.launchConfig)) {
    throw validationError("InvalidOption", "Switching from global scale to fixed (and vice versa)");
  }
  const images = [launchConfig, ...(secondaryLaunchConfigs ?? [])]
    .filter((config): config is InputMap => config !== null)
    .map((config) => config["imageUuid"])
    .filter((image) => image !== REMOVE_SIDEKICK_IMAGE);
  if (!images.every(isValidImageUuid)) throw validationError("InvalidReference", "imageUuid");
  return strategy;
}

/** Launch configs that follow an upgraded one through `networkLaunchConfig`/`dataVolumesFromLaunchConfigs`. */
function linkedNames(service: SimService, upgraded: ReadonlySet<string>): string[] {
  const refersTo = (config: LaunchConfigMap): string[] => {
    const volumes = config["dataVolumesFromLaunchConfigs"];
    const list: unknown[] = Array.isArray(volumes) ? volumes : [];
    return [config["networkLaunchConfig"], ...list].filter(
      (name): name is string => typeof name === "string",
    );
  };
  const all: [string, LaunchConfigMap][] = service.secondaryLaunchConfigs.map((c) => [String(c["name"]), c]);
  if (service.launchConfig !== null) all.push([PRIMARY_LAUNCH_CONFIG, service.launchConfig]);
  const result = new Set(upgraded);
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, config] of all) {
      if (!result.has(name) && refersTo(config).some((target) => result.has(target))) {
        result.add(name);
        grew = true;
      }
    }
  }
  return [...result].filter((name) => !upgraded.has(name));
}

/**
 * What the server does inside the POST (docs/rancher-api.md §4.2): replace (never merge) each launch config sent,
 * stamp one new `version` on every config upgraded, drop `rancher/none` sidekicks, keep the
 * others, and remember the previous configs for rollback.
 */
export function applyUpgrade(
  service: SimService,
  strategy: NonNullable<UpgradeRequest["inService"]>,
): UpgradePlan {
  const previousLaunchConfig = service.launchConfig;
  const previousSecondaryLaunchConfigs = service.secondaryLaunchConfigs;
  const version = randomUUID();
  const names = new Set<string>();
  let launchConfig = service.launchConfig;
  let sidekicks = [...service.secondaryLaunchConfigs];
  if (strategy.launchConfig !== null) {
    launchConfig = { ...normaliseLaunchConfig(strategy.launchConfig, false), version };
    names.add(PRIMARY_LAUNCH_CONFIG);
  }
  for (const input of strategy.secondaryLaunchConfigs ?? []) {
    const name = String(input["name"]);
    names.add(name);
    const index = sidekicks.findIndex((sidekick) => sidekick["name"] === name);
    if (input["imageUuid"] === REMOVE_SIDEKICK_IMAGE) {
      sidekicks = sidekicks.filter((sidekick) => sidekick["name"] !== name);
      continue;
    }
    const config = { ...normaliseLaunchConfig(input, true), name, version };
    if (index === -1) sidekicks.push(config);
    else sidekicks[index] = config;
  }
  service.launchConfig = launchConfig;
  service.secondaryLaunchConfigs = sidekicks;
  for (const name of linkedNames(service, names)) {
    names.add(name);
    if (name === PRIMARY_LAUNCH_CONFIG && service.launchConfig !== null) {
      service.launchConfig = { ...service.launchConfig, version };
    } else {
      service.secondaryLaunchConfigs = service.secondaryLaunchConfigs.map((c) =>
        c["name"] === name ? { ...c, version } : c,
      );
    }
  }
  const field: Record<string, unknown> = {
    type: "serviceUpgrade",
    inServiceStrategy: {
      type: "inServiceUpgradeStrategy",
      batchSize: strategy.batchSize,
      intervalMillis: strategy.intervalMillis,
      startFirst: strategy.startFirst,
      launchConfig: strategy.launchConfig === null ? null : service.launchConfig,
      secondaryLaunchConfigs: service.secondaryLaunchConfigs.filter((c) => names.has(String(c["name"]))),
      previousLaunchConfig,
      previousSecondaryLaunchConfigs,
    },
    toServiceStrategy: null,
  };
  return {
    batchSize: strategy.batchSize,
    intervalMillis: strategy.intervalMillis,
    startFirst: strategy.startFirst,
    names: [...names],
    previousLaunchConfig,
    previousSecondaryLaunchConfigs,
    field,
  };
}
