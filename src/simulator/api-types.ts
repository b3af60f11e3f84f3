import { CONTAINER_RESOURCE_ACTIONS } from "./container-actions.js";
import { apiRoot, type UrlContext } from "./render-resources.js";
import { SERVICE_RESOURCE_ACTIONS } from "./service-state-machine.js";
import type { ApiVersion } from "./sim-ids.js";
import type { ServiceKind } from "./sim-model.js";

/** A project-owned API type as addressed in a URL. */
export interface TypeInfo {
  readonly resource: "stack" | "service" | "container" | "host";
  /** The API type name (`resourceType` of collections). */
  readonly apiType: string;
  /** For kind-specific service collections (`/loadbalancerservices`). */
  readonly serviceKind?: ServiceKind;
}

export const STACK_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  "upgrade",
  "update",
  "remove",
  "activateservices",
  "deactivateservices",
  "addoutputs",
  "exportconfig",
  "finishupgrade",
  "rollback",
  "cancelupgrade",
]);

export const PROJECT_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  "update",
  "activate",
  "deactivate",
  "delete",
  "purge",
  "restore",
  "setmembers",
  "defaultnetworkid",
]);

const HOST_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  "activate",
  "deactivate",
  "remove",
  "purge",
  "evacuate",
]);

/** Declared resource actions per resource (an undeclared name is 422 `InvalidAction`). */
export const DECLARED_ACTIONS: Readonly<Record<TypeInfo["resource"], ReadonlySet<string>>> = {
  stack: STACK_RESOURCE_ACTIONS,
  service: SERVICE_RESOURCE_ACTIONS,
  container: CONTAINER_RESOURCE_ACTIONS,
  host: HOST_RESOURCE_ACTIONS,
};

/** Resolves a URL type segment, singular or plural, case-insensitively (docs/rancher-api.md §1.2). */
export function resolveType(segment: string, version: ApiVersion): TypeInfo | undefined {
  const name = segment.toLowerCase().replace(/s$/, "");
  switch (name) {
    case "stack":
      return version === "v2-beta" ? { resource: "stack", apiType: "stack" } : undefined;
    case "environment":
      return version === "v1" ? { resource: "stack", apiType: "environment" } : undefined;
    case "service":
      return { resource: "service", apiType: "service" };
    case "loadbalancerservice":
      return { resource: "service", apiType: "loadBalancerService", serviceKind: "loadBalancerService" };
    case "dnsservice":
      return { resource: "service", apiType: "dnsService", serviceKind: "dnsService" };
    case "externalservice":
      return { resource: "service", apiType: "externalService", serviceKind: "externalService" };
    case "container":
      return { resource: "container", apiType: "container" };
    case "instance":
      return { resource: "container", apiType: "instance" };
    case "host":
      return { resource: "host", apiType: "host" };
    default:
      return undefined;
  }
}

/** `GET /{version}`: the API root with a link per collection. */
export function renderApiRoot(ctx: UrlContext, projectId?: number): Record<string, unknown> {
  const root = apiRoot(ctx, projectId);
  const stacks = ctx.version === "v1" ? "environments" : "stacks";
  const names = [
    "projects",
    stacks,
    "services",
    "loadbalancerservices",
    "containers",
    "instances",
    "hosts",
    "schemas",
    "subscribe",
  ];
  return {
    id: ctx.version,
    type: "apiVersion",
    links: {
      self: root,
      ...Object.fromEntries(
        names.map((n) => [n, n === "projects" ? `${ctx.base}/${ctx.version}/projects` : `${root}/${n}`]),
      ),
    },
    actions: {},
  };
}
