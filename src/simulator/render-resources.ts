import { publicPorts } from "./host-ports.js";
import { serviceActionsFor } from "./service-state-machine.js";
import type { ApiVersion, IdKind } from "./sim-ids.js";
import { formatId } from "./sim-ids.js";
import type { LaunchConfigMap, SimProject, SimService, SimStack } from "./sim-model.js";
import type { SimState } from "./sim-state.js";

/** How URLs in a response are built: the request's origin, version and whether it named the project. */
export interface UrlContext {
  readonly base: string;
  readonly version: ApiVersion;
  readonly projectScoped: boolean;
}

export type Json = Record<string, unknown>;

/** Collection path segment per API type. */
export const PLURALS: Readonly<Record<string, string>> = {
  project: "projects",
  stack: "stacks",
  environment: "environments",
  service: "services",
  loadBalancerService: "loadbalancerservices",
  dnsService: "dnsservices",
  externalService: "externalservices",
  container: "containers",
  host: "hosts",
};

export const isoTime = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function apiRoot(ctx: UrlContext, projectId?: number): string {
  const scope =
    ctx.projectScoped && projectId !== undefined ? `/projects/${formatId("project", projectId)}` : "";
  return `${ctx.base}/${ctx.version}${scope}`;
}

const stackType = (ctx: UrlContext): string => (ctx.version === "v1" ? "environment" : "stack");

export function urls(ctx: UrlContext, projectId: number, type: string, kind: IdKind, id: number) {
  const self = `${apiRoot(ctx, projectId)}/${PLURALS[type] ?? type}/${formatId(kind, id, ctx.version)}`;
  return {
    self,
    link: (name: string): string => `${self}/${name}`,
    actions: (names: readonly string[]): Json =>
      Object.fromEntries(names.map((n) => [n, `${self}/?action=${n}`])),
  };
}

export function common(
  state: string,
  transitioning: string,
  message: string | null,
  created: number,
  uuid: string,
): Json {
  return {
    created: isoTime(created),
    createdTS: created,
    removeTime: null,
    transitioning,
    transitioningMessage: transitioning === "yes" ? (message ?? "In Progress") : message,
    transitioningProgress: null,
    uuid,
    state,
  };
}

export function renderProject(ctx: UrlContext, project: SimProject): Json {
  const self = `${ctx.base}/${ctx.version}/projects/${formatId("project", project.id)}`;
  const child = (name: string): string => `${self}/${name}`;
  const stacks = ctx.version === "v1" ? "environments" : "stacks";
  return {
    id: formatId("project", project.id),
    type: "project",
    baseType: "account",
    kind: "project",
    name: project.name,
    description: project.description,
    links: {
      self,
      [stacks]: child(stacks),
      services: child("services"),
      containers: child("containers"),
      instances: child("instances"),
      hosts: child("hosts"),
      schemas: child("schemas"),
      subscribe: child("subscribe"),
    },
    actions: {},
    allowSystemRole: false,
    defaultNetworkId: null,
    healthState: project.healthState,
    hostRemoveDelaySeconds: null,
    members: null,
    orchestration: "cattle",
    projectTemplateId: null,
    servicesPortRange: null,
    version: "2",
    virtualMachine: false,
    removed: null,
    ...common("active", "no", null, project.created, project.uuid),
  };
}

export function renderStack(ctx: UrlContext, state: SimState, stack: SimStack): Json {
  const type = stackType(ctx);
  const u = urls(ctx, stack.projectId, type, "stack", stack.id);
  const services = state.servicesOf(stack.id).filter((s) => s.state !== "removed");
  return {
    id: formatId("stack", stack.id, ctx.version),
    type,
    baseType: type,
    kind: type,
    name: stack.name,
    links: {
      self: u.self,
      account: u.link("account"),
      services: u.link("services"),
      instances: u.link("instances"),
    },
    actions: u.actions(stack.state === "active" ? ["remove", "activateservices", "deactivateservices"] : []),
    accountId: formatId("project", stack.projectId),
    healthState: stack.healthState,
    serviceIds: services.map((s) => formatId("service", s.id)),
    system: false,
    dockerCompose: null,
    rancherCompose: null,
    environment: null,
    externalId: null,
    group: null,
    answers: null,
    binding: null,
    outputs: null,
    previousEnvironment: null,
    previousExternalId: null,
    startOnCreate: null,
    templates: null,
    description: stack.description,
    removed: isoTime(stack.removed),
    ...common(stack.state, stack.state === "removing" ? "yes" : "no", null, stack.created, stack.uuid),
  };
}

/** A stored launch config with its schema `type` (and nested types) for output. */
export function renderLaunchConfig(config: LaunchConfigMap | null, type: string): Json | null {
  if (config === null) return null;
  const result: Json = { type, ...config };
  for (const [key, nestedType] of [
    ["healthCheck", "instanceHealthCheck"],
    ["logConfig", "logConfig"],
  ] as const) {
    const nested = result[key];
    if (typeof nested === "object" && nested !== null) result[key] = { type: nestedType, ...nested };
  }
  return result;
}

function renderUpgrade(upgrade: Json | null): Json | null {
  if (upgrade === null) return null;
  const strategy = upgrade["inServiceStrategy"] as Json;
  const sidekicks = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map((c: LaunchConfigMap) => renderLaunchConfig(c, "secondaryLaunchConfig"))
      : value;
  return {
    ...upgrade,
    inServiceStrategy: {
      ...strategy,
      launchConfig: renderLaunchConfig(strategy["launchConfig"] as LaunchConfigMap | null, "launchConfig"),
      secondaryLaunchConfigs: sidekicks(strategy["secondaryLaunchConfigs"]),
      previousLaunchConfig: renderLaunchConfig(
        strategy["previousLaunchConfig"] as LaunchConfigMap | null,
        "launchConfig",
      ),
      previousSecondaryLaunchConfigs: sidekicks(strategy["previousSecondaryLaunchConfigs"]),
    },
  };
}

export function renderService(ctx: UrlContext, state: SimState, service: SimService): Json {
  const u = urls(ctx, service.projectId, service.kind, "service", service.id);
  const instances = state.instancesOf(service.id);
  const stackRef = ctx.version === "v1" ? "environment" : "stack";
  const endpoints = instances
    .filter((c) => c.state === "running" && c.managed)
    .flatMap((c) =>
      publicPorts(c.launchConfig["ports"]).map((port) => ({
        type: "publicEndpoint",
        hostId: formatId("host", c.hostId),
        instanceId: formatId("container", c.id),
        ipAddress: `172.25.1.${String(c.hostId + 10)}`,
        port: Number(port.split("/")[0]),
        serviceId: formatId("service", service.id),
      })),
    );
  return {
    id: formatId("service", service.id),
    type: service.kind,
    baseType: "service",
    kind: service.kind,
    name: service.name,
    state: service.state,
    healthState: service.healthState,
    links: {
      self: u.self,
      account: u.link("account"),
      [stackRef]: u.link(stackRef),
      instances: u.link("instances"),
    },
    actions: u.actions(serviceActionsFor(service.state)),
    accountId: formatId("project", service.projectId),
    [`${stackRef}Id`]: formatId("stack", service.stackId, ctx.version),
    scale: service.scale,
    currentScale: service.currentScale,
    scalePolicy: null,
    instanceIds: instances.map((c) => formatId("container", c.id)),
    launchConfig: renderLaunchConfig(service.launchConfig, "launchConfig"),
    secondaryLaunchConfigs: service.secondaryLaunchConfigs.map((c) =>
      renderLaunchConfig(c, "secondaryLaunchConfig"),
    ),
    upgrade: renderUpgrade(service.upgrade),
    metadata: service.metadata,
    publicEndpoints: endpoints,
    assignServiceIpAddress: false,
    createIndex: service.nextUnitIndex - 1,
    fqdn: null,
    lbConfig: null,
    linkedServices: null,
    retainIp: service.retainIp,
    selectorContainer: null,
    selectorLink: null,
    startOnCreate: service.startOnCreate,
    system: false,
    vip: null,
    externalId: null,
    description: service.description,
    removed: isoTime(service.removed),
    ...common(
      service.state,
      service.transitioning,
      service.transitioningMessage,
      service.created,
      service.uuid,
    ),
  };
}
