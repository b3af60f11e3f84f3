import type { KnownRancherView, RancherContainerView, RancherView } from "../domain/index.js";
import {
  isRemoved,
  LAUNCH_CONFIG_LABEL,
  PRIMARY_LAUNCH_CONFIG,
  type Container,
  type Service,
} from "../rancher/index.js";
import { stripDockerPrefix, targetLaunchConfig } from "./service-inspection.js";

/** Health states of a running container that count as healthy (`null`: no health check). */
const HEALTHY: ReadonlySet<string | null> = new Set([null, "healthy", "updating-healthy"]);
/** Containers Rancher has removed (or is removing): no longer part of what runs. */
const GONE: ReadonlySet<string> = new Set(["removing", "removed", "purging", "purged"]);

/** True when the container was created from the target's launch config (primary or the sidekick). */
export function belongsToLaunchConfig(container: Container, sidekick: string | undefined): boolean {
  const label = container.labels?.[LAUNCH_CONFIG_LABEL];
  if (label === undefined) return sidekick === undefined;
  return sidekick === undefined
    ? label === PRIMARY_LAUNCH_CONFIG
    : label.toLowerCase() === sidekick.toLowerCase();
}

/**
 * What Rancher runs for a target, from its service and the service's instances (pure): the image
 * of the target's launch config (the sidekick's for a sidekick target), the service's state and
 * health, the containers of that launch config that are not removed (sorted by name, then id), and
 * `healthy/total` — running containers of the launch config's current version that are healthy or
 * have no health check, over the service's scale (without a scale: the current version's
 * containers). A removed service, or one without the named sidekick, is `missing`.
 */
export function deriveRancherView(
  service: Service,
  instances: readonly Container[],
  sidekick: string | undefined,
  observedAt: string,
): RancherView {
  if (isRemoved(service)) return { status: "missing", observedAt };
  const config = targetLaunchConfig(service, sidekick);
  if (config === undefined) return { status: "missing", observedAt };
  const version = config.version ?? null;
  const mine = instances.filter(
    (instance) =>
      belongsToLaunchConfig(instance, sidekick) &&
      !GONE.has(instance.state) &&
      (instance.removed ?? null) === null,
  );
  const current = mine.filter((instance) => (instance.version ?? null) === version);
  const healthy = current.filter(
    (instance) => instance.state === "running" && HEALTHY.has(instance.healthState ?? null),
  ).length;
  const total = typeof service.scale === "number" ? service.scale : current.length;
  const containers = mine
    .map((instance): RancherContainerView => ({
      id: instance.id,
      name: instance.name ?? instance.id,
      state: instance.state,
      healthState: instance.healthState ?? null,
      image: stripDockerPrefix(instance.imageUuid) ?? "",
      version: instance.version ?? null,
      startCount: instance.startCount ?? 0,
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const view: KnownRancherView = {
    status: "known",
    image: stripDockerPrefix(config.imageUuid) ?? "",
    serviceState: service.state,
    healthState: service.healthState ?? null,
    healthy,
    total,
    containers,
    observedAt,
  };
  return view;
}
