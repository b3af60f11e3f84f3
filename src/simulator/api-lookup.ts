import type { TypeInfo } from "./api-types.js";
import { filterFieldsFor, renderCollection } from "./collections.js";
import type { InputMap } from "./input-fields.js";
import type { UrlContext } from "./render-resources.js";
import { renderContainer, renderHost } from "./render-containers.js";
import { renderService, renderStack } from "./render-resources.js";
import type { SimEngine } from "./sim-engine.js";
import { parseId } from "./sim-ids.js";
import { isListed } from "./sim-model.js";
import { notFound } from "./sim-errors.js";
import type { ApiRequest } from "./api-request.js";

type Json = Record<string, unknown>;

/** What the API layer needs besides the engine. */
export interface ApiDeps {
  readonly engine: SimEngine;
  /** Fault injection: answer an accepted action with 409 instead. */
  readonly conflict: () => boolean;
}

/** Per-request context passed to the read and write handlers. */
export interface ApiCall {
  readonly deps: ApiDeps;
  readonly request: ApiRequest;
  readonly ctx: UrlContext;
  readonly projectId: number | undefined;
  readonly body: () => InputMap;
}

/** The rows of a type in the call's project, rendered (removed rows are never listed in 1.6). */
export function rowsOf(call: ApiCall, info: TypeInfo): Json[] {
  const { state } = call.deps.engine;
  const { projectId, ctx } = call;
  if (projectId === undefined) return [];
  switch (info.resource) {
    case "stack":
      return state
        .stacksOf(projectId)
        .filter((s) => s.state !== "removed")
        .map((s) => renderStack(ctx, state, s));
    case "service":
      return [...state.services.values()]
        .filter((s) => s.projectId === projectId && s.state !== "removed")
        .filter((s) => info.serviceKind === undefined || s.kind === info.serviceKind)
        .map((s) => renderService(ctx, state, s));
    case "container":
      return [...state.containers.values()]
        .filter((c) => c.projectId === projectId && isListed(c))
        .map((c) => renderContainer(ctx, state, c));
    case "host":
      return state.hostsOf(projectId).map((h) => renderHost(ctx, state, h));
  }
}

export function list(call: ApiCall, info: TypeInfo, rows: readonly Json[]): Json {
  const v1 = call.request.version === "v1";
  return renderCollection({
    resourceType: info.apiType,
    requestUrl: call.request.url,
    rows,
    fields: filterFieldsFor(info.apiType)
      .filter((f) => (v1 ? f !== "stackId" : f !== "environmentId"))
      .concat(v1 && info.resource === "service" ? ["stackId"] : []),
    ...(v1 ? { aliases: { stackId: "environmentId" } } : {}),
  });
}

export type Found =
  | { readonly resource: "stack"; readonly id: number }
  | { readonly resource: "service"; readonly id: number }
  | { readonly resource: "container"; readonly id: number }
  | { readonly resource: "host"; readonly id: number };

/** Looks up one row of the call's project by formatted id (any letters, docs/rancher-api.md §1.4); 404 if absent. */
export function findOne(call: ApiCall, info: TypeInfo, idText: string): Found {
  const id = parseId(idText);
  if (id === undefined || call.projectId === undefined) throw notFound();
  const { state } = call.deps.engine;
  const row =
    info.resource === "stack"
      ? state.stacks.get(id)
      : info.resource === "service"
        ? state.services.get(id)
        : info.resource === "container"
          ? state.containers.get(id)
          : state.hosts.get(id);
  if (row === undefined || row.projectId !== call.projectId) throw notFound();
  if (info.serviceKind !== undefined && state.services.get(id)?.kind !== info.serviceKind) throw notFound();
  return { resource: info.resource, id };
}

export function renderOne(call: ApiCall, _info: TypeInfo, found: Found): Json {
  const { state } = call.deps.engine;
  const { ctx } = call;
  switch (found.resource) {
    case "stack":
      return renderStack(ctx, state, state.stacks.get(found.id)!);
    case "service":
      return renderService(ctx, state, state.services.get(found.id)!);
    case "container":
      return renderContainer(ctx, state, state.containers.get(found.id)!);
    case "host":
      return renderHost(ctx, state, state.hosts.get(found.id)!);
  }
}
