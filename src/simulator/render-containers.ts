import { containerActionsFor, isContainerTransitioning } from "./container-actions.js";
import type { Json, UrlContext } from "./render-resources.js";
import { common, isoTime, renderLaunchConfig, urls } from "./render-resources.js";
import { formatId } from "./sim-ids.js";
import type { SimContainer, SimHost } from "./sim-model.js";
import { LAUNCH_CONFIG_LABEL, isListed, isLiveInstance } from "./sim-model.js";
import type { SimState } from "./sim-state.js";

/** `"8080:80/tcp"` → `"0.0.0.0:8080:80/tcp"`, as a container shows its bindings. */
function renderPorts(ports: unknown): string[] | null {
  if (!Array.isArray(ports)) return null;
  return ports.map((port) => {
    const text = String(port);
    return text.split(":").length === 2 ? `0.0.0.0:${text}` : text;
  });
}

export function renderContainer(ctx: UrlContext, state: SimState, container: SimContainer): Json {
  const u = urls(ctx, container.projectId, "container", "container", container.id);
  const service = state.services.get(container.serviceId);
  const stack = service === undefined ? undefined : state.stacks.get(service.stackId);
  const config = container.launchConfig;
  const transitioning =
    container.state === "error" ? "error" : isContainerTransitioning(container.state) ? "yes" : "no";
  const labels = {
    ...(typeof config["labels"] === "object" && config["labels"] !== null ? config["labels"] : {}),
    "io.rancher.stack_service.name": `${stack?.name ?? ""}/${service?.name ?? ""}`,
    "io.rancher.stack.name": stack?.name ?? "",
    [LAUNCH_CONFIG_LABEL]: container.launchConfigName,
    "io.rancher.service.deployment.unit": container.unitUuid,
    "io.rancher.container.name": container.name,
  };
  return {
    id: formatId("container", container.id),
    type: "container",
    baseType: "instance",
    kind: "container",
    name: container.name,
    state: container.state,
    healthState: container.healthState,
    links: { self: u.self, services: u.link("services"), hosts: u.link("hosts") },
    actions: u.actions(containerActionsFor(container.state)),
    accountId: formatId("project", container.projectId),
    hostId: formatId("host", container.hostId),
    serviceIds: [formatId("service", container.serviceId)],
    serviceId: null,
    stackId: null,
    imageUuid: container.imageUuid,
    version: container.version,
    deploymentUnitUuid: container.unitUuid,
    createIndex: container.createIndex,
    startCount: container.startCount,
    healthCheck: renderLaunchConfig(config, "launchConfig")?.["healthCheck"] ?? null,
    labels,
    environment: config["environment"] ?? null,
    primaryIpAddress: isLiveInstance(container) ? container.ipAddress : null,
    ports: renderPorts(config["ports"]),
    networkMode: config["networkMode"] ?? "managed",
    firstRunning: isoTime(container.firstRunning),
    firstRunningTS: container.firstRunning,
    externalId: container.externalId,
    nativeContainer: false,
    system: false,
    description: null,
    removed: isoTime(container.removed),
    ...common(
      container.state,
      transitioning,
      container.transitioningMessage,
      container.created,
      container.uuid,
    ),
  };
}

export function renderHost(ctx: UrlContext, state: SimState, host: SimHost): Json {
  const u = urls(ctx, host.projectId, "host", "host", host.id);
  const instances = [...state.containers.values()].filter((c) => c.hostId === host.id && isListed(c));
  return {
    id: formatId("host", host.id),
    type: "host",
    baseType: "host",
    kind: "docker",
    name: host.name,
    hostname: host.name,
    links: { self: u.self, instances: u.link("instances") },
    actions: {},
    accountId: formatId("project", host.projectId),
    agentState: null,
    instanceIds: instances.map((c) => formatId("container", c.id)),
    labels: {},
    description: null,
    removed: null,
    ...common("active", "no", null, host.created, host.uuid),
  };
}
