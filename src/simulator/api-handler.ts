import { renderSchemas } from "./api-schemas.js";
import { PROJECT_RESOURCE_ACTIONS, renderApiRoot, resolveType } from "./api-types.js";
import type { ApiCall, ApiDeps } from "./api-lookup.js";
import { findOne, list, renderOne, rowsOf } from "./api-lookup.js";
import type { ApiRequest, ApiResponse } from "./api-request.js";
import { actOnResource, createResource, deleteResource, updateResource } from "./api-writes.js";
import { authenticate, canReach, resolveProject } from "./authenticate.js";
import { filterFieldsFor, renderCollection } from "./collections.js";
import type { InputMap } from "./input-fields.js";
import { isInputMap } from "./input-fields.js";
import type { UrlContext } from "./render-resources.js";
import { renderContainer, renderHost } from "./render-containers.js";
import { renderProject, renderService, renderStack } from "./render-resources.js";
import { formatId, parseId } from "./sim-ids.js";
import type { SimApiKey } from "./sim-model.js";
import { isListed } from "./sim-model.js";
import { notFound, SimApiError, validationError } from "./sim-errors.js";
import type { TypeInfo } from "./api-types.js";

type Json = Record<string, unknown>;

const IGNORED_QUERY = new Set(["action", "_method", "_format", "projectId"]);

/** The JSON body (any Content-Type), with query parameters merged in (docs/rancher-api.md §1.7). */
function parseBody(request: ApiRequest): InputMap {
  let body: InputMap = {};
  if (request.rawBody.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.rawBody);
    } catch {
      throw new SimApiError(400, "InvalidBodyContent");
    }
    if (!isInputMap(parsed)) throw new SimApiError(400, "InvalidBodyContent");
    body = parsed;
  }
  for (const [key, value] of request.url.searchParams)
    if (!IGNORED_QUERY.has(key) && !(key in body)) body[key] = value;
  return body;
}

function accountHeaders(deps: ApiDeps, projectId: number | undefined): Record<string, string> {
  const project = projectId === undefined ? undefined : deps.engine.state.projects.get(projectId);
  return {
    "X-API-Account-Id": project === undefined ? "1a1" : formatId("project", project.id),
    "X-API-User-Id": "1a1",
    "X-API-Account-Kind": project === undefined ? "admin" : "project",
    "X-API-Account-Name": project?.name ?? "admin",
  };
}

/**
 * Answers one authenticated API call: `/{version}[/projects/{id}]/{type}[/{id}[/{link}]]`,
 * GET/POST/PUT/DELETE, `?action=` on POST (docs/rancher-api.md §1).
 * @throws {SimApiError} for every error answer.
 */
export function handleApi(deps: ApiDeps, request: ApiRequest): ApiResponse {
  const { state } = deps.engine;
  const key = authenticate(state, request.headers.authorization);
  let segments = request.segments;
  let pathProject: string | undefined;
  if (segments[0] === "projects" && segments.length >= 3) {
    pathProject = segments[1];
    segments = segments.slice(2);
  }
  const header = request.headers["x-api-project-id"];
  const requested =
    pathProject ??
    (typeof header === "string" ? header : undefined) ??
    request.url.searchParams.get("projectId") ??
    undefined;
  const projectId = resolveProject(state, key, requested);
  const ctx: UrlContext = {
    base: request.url.origin,
    version: request.version,
    projectScoped: pathProject !== undefined,
  };
  let parsed: InputMap | undefined;
  const call: ApiCall = { deps, request, ctx, projectId, body: () => (parsed ??= parseBody(request)) };
  const reply = (status: number, body: unknown): ApiResponse => ({
    status,
    body,
    headers: accountHeaders(deps, projectId),
  });

  // Type names are singular or plural (docs/rancher-api.md §1.2): `/v1/project?name=…`, `/v2-beta/schema/service`.
  const rootType = segments[0]?.toLowerCase();
  if (pathProject === undefined && (rootType === "projects" || rootType === "project"))
    return reply(200, projects(call, key, segments));
  const [typeName, id, link, ...rest] = segments;
  if (typeName === undefined) return reply(200, renderApiRoot(ctx, projectId));
  if (rootType === "schemas" || rootType === "schema") return reply(200, schemas(call, id));
  if (typeName === "subscribe")
    throw new SimApiError(400, "Bad Request", undefined, "subscribe needs a websocket upgrade");
  const info = resolveType(typeName, request.version);
  if (info === undefined || rest.length > 0) throw notFound();
  const method = request.method;
  if (id === undefined) {
    if (method === "GET") return reply(200, list(call, info, rowsOf(call, info)));
    if (method === "POST") return reply(201, createResource(call, info));
    throw new SimApiError(405);
  }
  if (link !== undefined) {
    if (method !== "GET") throw new SimApiError(405);
    return reply(200, linked(call, info, id, link));
  }
  switch (method) {
    case "GET":
      return reply(200, renderOne(call, info, findOne(call, info, id)));
    case "POST": {
      const action = request.url.searchParams.get("action");
      if (action === null) throw new SimApiError(405);
      return reply(202, actOnResource(call, info, id, action));
    }
    case "PUT":
      return reply(200, updateResource(call, info, id));
    case "DELETE":
      return reply(200, deleteResource(call, info, id));
    default:
      throw new SimApiError(405);
  }
}

function projects(call: ApiCall, key: SimApiKey, segments: readonly string[]): Json {
  const { state } = call.deps.engine;
  const id = segments[1];
  const ctx = { ...call.ctx, projectScoped: false };
  if (id === undefined) {
    if (call.request.method !== "GET") throw new SimApiError(405);
    const rows = [...state.projects.values()]
      .filter((p) => canReach(key, p.id))
      .map((p) => renderProject(ctx, p));
    return renderCollection({
      resourceType: "project",
      requestUrl: call.request.url,
      rows,
      fields: filterFieldsFor("project"),
    });
  }
  const projectId = parseId(id);
  const project = projectId === undefined ? undefined : state.projects.get(projectId);
  if (project === undefined || !canReach(key, project.id)) throw new SimApiError(403);
  if (call.request.method === "POST") {
    const action = call.request.url.searchParams.get("action") ?? "";
    throw validationError(
      PROJECT_RESOURCE_ACTIONS.has(action) ? "ActionNotAvailable" : "InvalidAction",
      "action",
    );
  }
  if (call.request.method !== "GET") throw new SimApiError(405);
  return renderProject(ctx, project);
}

function schemas(call: ApiCall, id: string | undefined): Json {
  const all = renderSchemas(call.ctx, call.projectId);
  if (id !== undefined) {
    const schema = all.find((s) => String(s["id"]).toLowerCase() === id.toLowerCase());
    if (schema === undefined) throw notFound();
    return schema;
  }
  return renderCollection({
    resourceType: "schema",
    requestUrl: call.request.url,
    rows: all,
    fields: ["id"],
  });
}

function linked(call: ApiCall, info: TypeInfo, id: string, link: string): Json {
  const { state } = call.deps.engine;
  const { ctx } = call;
  const found = findOne(call, info, id);
  const name = link.toLowerCase();
  const containers = (serviceIds: number[]) =>
    list(
      call,
      { resource: "container", apiType: "instance" },
      serviceIds.flatMap((sid) => state.instancesOf(sid)).map((c) => renderContainer(ctx, state, c)),
    );
  if (found.resource === "service") {
    const service = state.services.get(found.id)!;
    if (name === "instances") return containers([service.id]);
    if (name === (call.request.version === "v1" ? "environment" : "stack"))
      return renderStack(ctx, state, state.stacks.get(service.stackId)!);
    if (name === "account")
      return renderProject({ ...ctx, projectScoped: false }, state.projects.get(service.projectId)!);
  }
  if (found.resource === "stack") {
    const services = state.servicesOf(found.id).filter((s) => s.state !== "removed");
    if (name === "services")
      return list(
        call,
        { resource: "service", apiType: "service" },
        services.map((s) => renderService(ctx, state, s)),
      );
    if (name === "instances") return containers(services.map((s) => s.id));
    if (name === "account")
      return renderProject({ ...ctx, projectScoped: false }, state.projects.get(call.projectId ?? 0)!);
  }
  if (found.resource === "container") {
    const container = state.containers.get(found.id)!;
    const service = state.services.get(container.serviceId);
    if (name === "services")
      return list(
        call,
        { resource: "service", apiType: "service" },
        service === undefined ? [] : [renderService(ctx, state, service)],
      );
    const host = state.hosts.get(container.hostId);
    if (name === "hosts")
      return list(
        call,
        { resource: "host", apiType: "host" },
        host === undefined ? [] : [renderHost(ctx, state, host)],
      );
  }
  if (found.resource === "host" && name === "instances") {
    const rows = [...state.containers.values()].filter((c) => c.hostId === found.id && isListed(c));
    return list(
      call,
      { resource: "container", apiType: "instance" },
      rows.map((c) => renderContainer(ctx, state, c)),
    );
  }
  throw notFound();
}
