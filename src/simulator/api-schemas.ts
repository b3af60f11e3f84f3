import { DECLARED_ACTIONS, PROJECT_RESOURCE_ACTIONS } from "./api-types.js";
import { filterFieldsFor } from "./collections.js";
import { apiRoot, PLURALS, type UrlContext } from "./render-resources.js";

/**
 * The schemas a generic Rancher client (one that knows no type in advance) reads to find
 * collections, build request bodies and call actions: `GET …/schemas`, `…/schemas/{id}`.
 * Resource types carry their collection link (project-scoped when the request was), the methods
 * the simulator implements, their actions with input and output types, collection filters and
 * `resourceFields`; embedded types (`launchConfig`, `serviceUpgrade`, …) carry fields only.
 */

/** One entry of `resourceFields`, as Cattle renders it. */
interface Field {
  readonly type: string;
  readonly nullable: boolean;
  readonly create: boolean;
  readonly update: boolean;
  readonly required: boolean;
  readonly default: unknown;
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

interface FieldOptions {
  readonly required?: boolean;
  readonly nullable?: boolean;
  readonly default?: unknown;
  readonly options?: readonly string[];
  readonly min?: number;
}

const field =
  (create: boolean, update: boolean) =>
  (type: string, extra: FieldOptions = {}): Field => ({
    type,
    nullable: extra.nullable ?? !(extra.required ?? false),
    create,
    update,
    required: extra.required ?? false,
    default: extra.default ?? null,
    ...(extra.options === undefined ? {} : { options: extra.options }),
    ...(extra.min === undefined ? {} : { min: extra.min }),
  });

/** Read-only (set by the server). */
const ro = field(false, false);
/** Set on create only. */
const cr = field(true, false);
/** Set on create and update. */
const rw = field(true, true);

const TRANSITIONING = ["yes", "no", "error"] as const;
const INSTANCE_HEALTH = [
  "initializing",
  "reinitializing",
  "healthy",
  "unhealthy",
  "updating-healthy",
  "updating-unhealthy",
  "updating-reinitializing",
] as const;
const SERVICE_HEALTH = ["healthy", "unhealthy", "degraded", "initializing", "started-once"] as const;

/** The fields every resource type has (docs/rancher-api.md §2.1). */
function commonFields(): Record<string, Field> {
  return {
    id: ro("string", { nullable: false }),
    name: rw("string"),
    description: rw("string"),
    state: ro("string", { nullable: false }),
    kind: ro("string"),
    uuid: ro("string"),
    accountId: ro("reference[account]"),
    created: ro("date"),
    createdTS: ro("int"),
    removed: ro("date"),
    removeTime: ro("date"),
    transitioning: ro("enum", { options: TRANSITIONING }),
    transitioningMessage: ro("string"),
    transitioningProgress: ro("int"),
  };
}

/** The launch config keys deploy tools send back (the simulator keeps any others as given). */
function launchConfigFields(): Record<string, Field> {
  return {
    imageUuid: cr("string", { required: true }),
    kind: cr("enum", { options: ["container", "virtualMachine"], default: "container" }),
    labels: cr("map[string]"),
    environment: cr("map[string]"),
    ports: cr("array[string]"),
    expose: cr("array[string]"),
    command: cr("array[string]"),
    entryPoint: cr("array[string]"),
    workingDir: cr("string"),
    user: cr("string"),
    hostname: cr("string"),
    networkMode: cr("enum", {
      options: ["none", "bridge", "host", "managed", "container"],
      default: "managed",
    }),
    networkLaunchConfig: cr("string"),
    dataVolumes: cr("array[string]"),
    dataVolumesFrom: cr("array[reference[container]]"),
    dataVolumesFromLaunchConfigs: cr("array[string]"),
    dns: cr("array[string]"),
    dnsSearch: cr("array[string]"),
    healthCheck: cr("instanceHealthCheck"),
    logConfig: cr("logConfig"),
    restartPolicy: cr("restartPolicy"),
    memory: cr("int"),
    cpuShares: cr("int"),
    privileged: cr("boolean", { default: false }),
    readOnly: cr("boolean", { default: false }),
    stdinOpen: cr("boolean", { default: false }),
    tty: cr("boolean", { default: false }),
    publishAllPorts: cr("boolean", { default: false }),
    startOnCreate: cr("boolean", { default: true }),
    instanceTriggeredStop: cr("enum", { options: ["stop", "remove", "restart"], default: "stop" }),
    vcpu: cr("int", { default: 1 }),
    version: ro("string", { default: "0" }),
  };
}

const upgradeStrategyFields = (): Record<string, Field> => ({
  batchSize: cr("int", { nullable: false, default: 1, min: 1 }),
  intervalMillis: cr("int", { nullable: false, default: 2000, min: 100 }),
});

/** Embedded (non-resource) types: fields only, no collection, no methods. */
const EMBEDDED_TYPES: Readonly<Record<string, () => Record<string, Field>>> = {
  launchConfig: launchConfigFields,
  secondaryLaunchConfig: () => ({ name: cr("string", { required: true }), ...launchConfigFields() }),
  instanceHealthCheck: () => ({
    name: cr("string"),
    port: cr("int", { required: true, min: 1 }),
    requestLine: cr("string"),
    interval: cr("int", { default: 2000, min: 1 }),
    responseTimeout: cr("int", { default: 2000, min: 1 }),
    healthyThreshold: cr("int", { default: 2, min: 1 }),
    unhealthyThreshold: cr("int", { default: 3, min: 1 }),
    initializingTimeout: cr("int", { default: 60000, min: 1 }),
    reinitializingTimeout: cr("int", { default: 60000, min: 1 }),
    strategy: cr("enum", { options: ["none", "recreate", "recreateOnQuorum"], default: "recreate" }),
  }),
  logConfig: () => ({ driver: cr("string"), config: cr("map[string]") }),
  restartPolicy: () => ({ name: cr("string"), maximumRetryCount: cr("int") }),
  serviceUpgrade: () => ({
    inServiceStrategy: cr("inServiceUpgradeStrategy"),
    toServiceStrategy: cr("toServiceUpgradeStrategy"),
  }),
  inServiceUpgradeStrategy: () => ({
    ...upgradeStrategyFields(),
    startFirst: cr("boolean", { nullable: false, default: false }),
    launchConfig: cr("launchConfig"),
    secondaryLaunchConfigs: cr("array[secondaryLaunchConfig]"),
    previousLaunchConfig: ro("launchConfig"),
    previousSecondaryLaunchConfigs: ro("array[secondaryLaunchConfig]"),
  }),
  toServiceUpgradeStrategy: () => ({
    ...upgradeStrategyFields(),
    toServiceId: cr("reference[service]"),
    finalScale: cr("int", { nullable: false, default: 1, min: 1 }),
    updateLinks: cr("boolean", { default: false }),
  }),
  serviceRestart: () => ({ rollingRestartStrategy: cr("rollingRestartStrategy") }),
  rollingRestartStrategy: upgradeStrategyFields,
  publicEndpoint: () => ({
    hostId: ro("reference[host]"),
    instanceId: ro("reference[instance]"),
    serviceId: ro("reference[service]"),
    ipAddress: ro("string"),
    port: ro("int"),
  }),
};

/** Action inputs; actions not listed take no input. Outputs are the resource type itself. */
const ACTION_INPUTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  service: { upgrade: "serviceUpgrade", restart: "serviceRestart" },
};

type StackType = "stack" | "environment";

function serviceFields(stackType: StackType): Record<string, Field> {
  const stackField = stackType === "stack" ? "stackId" : "environmentId";
  return {
    ...commonFields(),
    name: rw("string", { required: true }),
    [stackField]: cr(`reference[${stackType}]`, { required: true }),
    scale: rw("int", { default: 1, min: 0 }),
    currentScale: ro("int"),
    healthState: ro("enum", { options: SERVICE_HEALTH }),
    launchConfig: cr("launchConfig"),
    secondaryLaunchConfigs: cr("array[secondaryLaunchConfig]"),
    upgrade: ro("serviceUpgrade"),
    instanceIds: ro("array[reference[instance]]"),
    publicEndpoints: ro("array[publicEndpoint]"),
    metadata: rw("map[json]"),
    retainIp: rw("boolean"),
    startOnCreate: cr("boolean", { default: false }),
    createIndex: ro("int"),
    fqdn: ro("string"),
    system: ro("boolean", { default: false }),
    externalId: ro("string"),
  };
}

function containerFields(): Record<string, Field> {
  return {
    ...commonFields(),
    hostId: ro("reference[host]"),
    imageUuid: ro("string"),
    version: ro("string", { default: "0" }),
    healthState: ro("enum", { options: INSTANCE_HEALTH }),
    healthCheck: ro("instanceHealthCheck"),
    serviceIds: ro("array[reference[service]]"),
    deploymentUnitUuid: ro("string"),
    createIndex: ro("int"),
    startCount: ro("int"),
    firstRunning: ro("date"),
    labels: ro("map[string]"),
    environment: ro("map[string]"),
    ports: ro("array[string]"),
    networkMode: ro("string"),
    primaryIpAddress: ro("string"),
    externalId: ro("string"),
    nativeContainer: ro("boolean", { default: false }),
    system: ro("boolean", { default: false }),
  };
}

interface ResourceType {
  readonly fields: () => Record<string, Field>;
  readonly resourceMethods: readonly string[];
  readonly collectionMethods: readonly string[];
  readonly actions: ReadonlySet<string>;
}

/** Resource types with the methods the simulator implements for them. */
function resourceTypes(stackType: StackType): Readonly<Record<string, ResourceType>> {
  const service: ResourceType = {
    fields: () => serviceFields(stackType),
    resourceMethods: ["GET", "PUT", "DELETE"],
    collectionMethods: ["GET", "POST"],
    actions: DECLARED_ACTIONS.service,
  };
  const container: ResourceType = {
    fields: containerFields,
    resourceMethods: ["GET", "DELETE"],
    collectionMethods: ["GET"],
    actions: DECLARED_ACTIONS.container,
  };
  return {
    project: {
      fields: () => ({ ...commonFields(), healthState: ro("enum", { options: SERVICE_HEALTH }) }),
      resourceMethods: ["GET"],
      collectionMethods: ["GET"],
      actions: PROJECT_RESOURCE_ACTIONS,
    },
    [stackType]: {
      fields: () => ({
        ...commonFields(),
        name: rw("string", { required: true }),
        healthState: ro("enum", { options: SERVICE_HEALTH }),
        serviceIds: ro("array[reference[service]]"),
        system: ro("boolean", { default: false }),
        environment: cr("map[string]"),
        dockerCompose: cr("string"),
        rancherCompose: cr("string"),
        startOnCreate: cr("boolean"),
        externalId: cr("string"),
      }),
      resourceMethods: ["GET", "PUT", "DELETE"],
      collectionMethods: ["GET", "POST"],
      actions: DECLARED_ACTIONS.stack,
    },
    service,
    loadBalancerService: service,
    dnsService: service,
    externalService: service,
    container,
    instance: container,
    host: {
      fields: () => ({
        ...commonFields(),
        hostname: ro("string"),
        agentState: ro("string"),
        instanceIds: ro("array[reference[instance]]"),
        labels: ro("map[string]"),
      }),
      resourceMethods: ["GET"],
      collectionMethods: ["GET"],
      actions: DECLARED_ACTIONS.host,
    },
  };
}

const MODIFIERS = ["eq", "ne", "lt", "gt", "lte", "gte", "prefix", "like", "notlike", "null", "notnull"];

/**
 * Every schema. Project-scoped requests (`/projects/{id}/schemas`) get project-scoped links, so a
 * client holding an account key finds the project's collections.
 */
export function renderSchemas(ctx: UrlContext, projectId: number | undefined): Record<string, unknown>[] {
  const root = apiRoot(ctx, projectId);
  const schemaLink = (type: string): string => `${root}/schemas/${type}`;
  const resources = Object.entries(resourceTypes(ctx.version === "v1" ? "environment" : "stack")).map(
    ([type, spec]) => {
      const plural = PLURALS[type] ?? `${type}s`;
      const collection = type === "project" ? `${ctx.base}/${ctx.version}/projects` : `${root}/${plural}`;
      return {
        id: type,
        type: "schema",
        links: { self: schemaLink(type), collection },
        actions: {},
        pluralName: plural,
        resourceMethods: spec.resourceMethods,
        collectionMethods: spec.collectionMethods,
        resourceActions: Object.fromEntries(
          [...spec.actions].map((action) => [
            action,
            { input: ACTION_INPUTS[inputGroup(type)]?.[action] ?? null, output: type },
          ]),
        ),
        collectionActions: {},
        collectionFilters: Object.fromEntries(
          filterFieldsFor(type).map((name) => [name, { modifiers: MODIFIERS }]),
        ),
        resourceFields: spec.fields(),
      };
    },
  );
  const embedded = Object.entries(EMBEDDED_TYPES).map(([type, fields]) => ({
    id: type,
    type: "schema",
    links: { self: schemaLink(type) },
    actions: {},
    pluralName: `${type}s`,
    resourceMethods: [],
    collectionMethods: [],
    resourceActions: {},
    collectionActions: {},
    collectionFilters: {},
    resourceFields: fields(),
  }));
  return [...resources, ...embedded];
}

/** Service kinds share the service's action inputs. */
const inputGroup = (type: string): string =>
  type === "loadBalancerService" || type === "dnsService" || type === "externalService" ? "service" : type;
