import type { ApiCall } from "./api-lookup.js";
import { findOne, renderOne } from "./api-lookup.js";
import type { TypeInfo } from "./api-types.js";
import { DECLARED_ACTIONS } from "./api-types.js";
import { containerActionsFor, performContainerAction } from "./container-actions.js";
import type { InputMap } from "./input-fields.js";
import {
  isInputMap,
  isValidImageUuid,
  normaliseLaunchConfig,
  readBoolean,
  readInt,
  readObject,
  readString,
} from "./input-fields.js";
import { addService, addStack } from "./resource-factory.js";
import { applyServiceFields, performUpdate, prepareServiceAction } from "./service-actions.js";
import { serviceActionsFor } from "./service-state-machine.js";
import type { SimEngine } from "./sim-engine.js";
import { parseId } from "./sim-ids.js";
import type { LaunchConfigMap, SimStack } from "./sim-model.js";
import { SimApiError, validationError } from "./sim-errors.js";

type Json = Record<string, unknown>;

/**
 * `POST …/{id}/?action=X` in Cattle's validation order (docs/rancher-api.md §3.5): id parses (404),
 * action declared (422 InvalidAction), resource exists (404), action offered now (422
 * ActionNotAvailable), body (422 field codes), filters (422), then scheduling (409 under fault
 * injection). Answers 202 with the resource already in its transitioning state.
 */
export function actOnResource(call: ApiCall, info: TypeInfo, id: string, action: string): Json {
  if (parseId(id) === undefined) throw new SimApiError(404);
  if (!DECLARED_ACTIONS[info.resource].has(action)) throw validationError("InvalidAction", "action");
  const found = findOne(call, info, id);
  const { engine } = call.deps;
  let apply: () => void;
  switch (found.resource) {
    case "service": {
      const service = engine.state.services.get(found.id);
      if (service === undefined || !serviceActionsFor(service.state).includes(action)) {
        throw validationError("ActionNotAvailable", "action");
      }
      apply = prepareServiceAction(engine, service, action, call.body());
      break;
    }
    case "container": {
      const container = engine.state.containers.get(found.id);
      if (container === undefined || !containerActionsFor(container.state).includes(action)) {
        throw validationError("ActionNotAvailable", "action");
      }
      apply = () => performContainerAction(engine, container, action);
      break;
    }
    case "stack": {
      const stack = engine.state.stacks.get(found.id);
      if (
        stack === undefined ||
        stack.state !== "active" ||
        !["remove", "activateservices", "deactivateservices"].includes(action)
      ) {
        throw validationError("ActionNotAvailable", "action");
      }
      apply = () => performStackAction(engine, stack, action);
      break;
    }
    case "host":
      throw validationError("ActionNotAvailable", "action");
  }
  if (call.deps.conflict()) throw new SimApiError(409);
  apply();
  return renderOne(call, info, found);
}

/** `activateservices` / `deactivateservices` / `remove` on a stack: the action on each service that offers it. */
function performStackAction(engine: SimEngine, stack: SimStack, action: string): void {
  const perService =
    action === "activateservices" ? "activate" : action === "deactivateservices" ? "deactivate" : "remove";
  for (const service of engine.state.servicesOf(stack.id)) {
    if (serviceActionsFor(service.state).includes(perService))
      prepareServiceAction(engine, service, perService, {})();
  }
  if (action !== "remove") return;
  stack.state = "removing";
  engine.state.changed("stack", stack.id, stack.projectId);
  engine.clock.setTimer(engine.timing.removeMs, () => {
    stack.state = "removed";
    stack.removed = engine.clock.now();
    engine.state.changed("stack", stack.id, stack.projectId);
    engine.health.refreshProject(stack.projectId);
  });
}

function launchConfigInput(input: InputMap, field: string): LaunchConfigMap | null {
  const config = readObject(input, field);
  if (config === null) return null;
  if (!isValidImageUuid(config["imageUuid"])) throw validationError("InvalidReference", "imageUuid");
  return { ...normaliseLaunchConfig(config, false), version: "0" };
}

/** `POST /stacks` and `POST /services` (201). Other types cannot be created here (405). */
export function createResource(call: ApiCall, info: TypeInfo): Json {
  const { engine } = call.deps;
  const { state } = engine;
  const projectId = call.projectId;
  if (projectId === undefined || (info.resource !== "stack" && info.resource !== "service"))
    throw new SimApiError(405);
  const body = call.body();
  const name = readString(body, "name");
  if (name === undefined || name === "") throw validationError("MissingRequired", "name");
  if (info.resource === "stack") {
    if (
      state
        .stacksOf(projectId)
        .some((s) => s.state !== "removed" && s.name.toLowerCase() === name.toLowerCase())
    ) {
      throw validationError("NotUnique", "name");
    }
    const stack = addStack(engine, projectId, name, readString(body, "description") ?? null);
    return renderOne(call, info, { resource: "stack", id: stack.id });
  }
  const stackField =
    call.request.version === "v1" && body["environmentId"] !== undefined ? "environmentId" : "stackId";
  const stackRef = readString(body, stackField);
  if (stackRef === undefined) throw validationError("MissingRequired", stackField);
  const stack = state.stacks.get(parseId(stackRef) ?? -1);
  if (stack === undefined || stack.projectId !== projectId || stack.state !== "active") {
    throw validationError("InvalidReference", stackField);
  }
  if (
    state
      .servicesOf(stack.id)
      .some((s) => s.state !== "removed" && s.name.toLowerCase() === name.toLowerCase())
  ) {
    throw validationError("NotUnique", "name");
  }
  const kind = info.serviceKind ?? "service";
  const runs = kind === "service" || kind === "loadBalancerService";
  const rawSidekicks = body["secondaryLaunchConfigs"] ?? [];
  if (!Array.isArray(rawSidekicks) || !rawSidekicks.every(isInputMap))
    throw validationError("InvalidFormat", "secondaryLaunchConfigs");
  const sidekicks = rawSidekicks.map((entry) => {
    const sidekickName = readString(entry, "name");
    if (sidekickName === undefined) throw validationError("MissingRequired", "name");
    if (!isValidImageUuid(entry["imageUuid"])) throw validationError("InvalidReference", "imageUuid");
    return { ...normaliseLaunchConfig(entry, false), name: sidekickName, version: "0" };
  });
  const service = addService(
    engine,
    {
      projectId,
      stackId: stack.id,
      name,
      kind,
      scale: readInt(body, "scale", 1, 0),
      launchConfig: runs ? launchConfigInput(body, "launchConfig") : null,
      secondaryLaunchConfigs: runs ? sidekicks : [],
      retainIp: body["retainIp"] === undefined ? null : readBoolean(body, "retainIp", false),
      startOnCreate: readBoolean(body, "startOnCreate", false),
      description: readString(body, "description") ?? null,
      metadata: readObject(body, "metadata"),
    },
    "requested",
  );
  prepareServiceAction(engine, service, "create", {})();
  return renderOne(call, info, { resource: "service", id: service.id });
}

/** `PUT` on a service or stack: writable fields saved; a service runs `update` when offered. */
export function updateResource(call: ApiCall, info: TypeInfo, id: string): Json {
  const found = findOne(call, info, id);
  const { engine } = call.deps;
  const body = call.body();
  if (found.resource === "service") {
    const service = engine.state.services.get(found.id);
    if (service === undefined) throw new SimApiError(404);
    if (serviceActionsFor(service.state).includes("update")) {
      applyServiceFields({ ...service, units: [] }, body);
      performUpdate(engine, service, body);
    } else {
      applyServiceFields(service, body);
      engine.state.changed("service", service.id, service.projectId);
    }
    return renderOne(call, info, found);
  }
  if (found.resource === "stack") {
    const stack = engine.state.stacks.get(found.id);
    if (stack === undefined) throw new SimApiError(404);
    const name = readString(body, "name");
    if (name !== undefined) stack.name = name;
    if (body["description"] !== undefined) stack.description = readString(body, "description") ?? null;
    engine.state.changed("stack", stack.id, stack.projectId);
    return renderOne(call, info, found);
  }
  throw new SimApiError(405);
}

/** `DELETE`: services and stacks are removed (when they still can be), containers removed. */
export function deleteResource(call: ApiCall, info: TypeInfo, id: string): Json {
  const found = findOne(call, info, id);
  const { engine } = call.deps;
  if (found.resource === "service") {
    const service = engine.state.services.get(found.id);
    if (service !== undefined && serviceActionsFor(service.state).includes("remove")) {
      prepareServiceAction(engine, service, "remove", {})();
    }
  } else if (found.resource === "container") {
    const container = engine.state.containers.get(found.id);
    if (container !== undefined) engine.containers.remove(container);
  } else if (found.resource === "stack") {
    const stack = engine.state.stacks.get(found.id);
    if (stack?.state === "active") performStackAction(engine, stack, "remove");
  } else {
    throw new SimApiError(405);
  }
  return renderOne(call, info, found);
}
