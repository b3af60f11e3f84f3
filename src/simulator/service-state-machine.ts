import type { ServiceState } from "./sim-model.js";

/** Service actions backed by a Cattle process (docs/rancher-api.md §3.1). */
export const PROCESS_ACTIONS = [
  "create",
  "activate",
  "update",
  "deactivate",
  "remove",
  "upgrade",
  "continueupgrade",
  "cancelupgrade",
  "rollback",
  "finishupgrade",
  "restart",
] as const;
export type ProcessAction = (typeof PROCESS_ACTIONS)[number];

/** Actions without a process: offered in every non-removed state (docs/rancher-api.md §3.1). */
export const LINK_ACTIONS = ["addservicelink", "removeservicelink", "setservicelinks"] as const;

/** Declared on the service type but never offered (`restore`, `certificate`): 422 ActionNotAvailable. */
const NEVER_OFFERED = ["restore", "certificate"] as const;

/** Every action name the `service` type declares; anything else is 422 `InvalidAction`. */
export const SERVICE_RESOURCE_ACTIONS: ReadonlySet<string> = new Set<string>([
  ...PROCESS_ACTIONS,
  ...LINK_ACTIONS,
  ...NEVER_OFFERED,
]);

const LIVE_STATES: readonly ServiceState[] = [
  "requested",
  "registering",
  "inactive",
  "activating",
  "active",
  "updating-inactive",
  "updating-active",
  "deactivating",
  "restarting",
  "upgrading",
  "upgraded",
  "canceling-upgrade",
  "canceled-upgrade",
  "rolling-back",
  "finishing-upgrade",
];

/** Start states of each process (spring-process-context.xml, Cattle v0.183). */
const START_STATES: Readonly<Record<ProcessAction, readonly ServiceState[]>> = {
  create: ["requested"],
  activate: ["inactive", "restarting"],
  update: [
    "inactive",
    "active",
    "updating-active",
    "activating",
    "upgrading",
    "finishing-upgrade",
    "canceling-upgrade",
    "rolling-back",
  ],
  deactivate: ["active", "activating", "updating-active", "updating-inactive", "restarting"],
  remove: LIVE_STATES,
  upgrade: ["active", "activating", "inactive", "updating-active"],
  continueupgrade: ["canceled-upgrade"],
  cancelupgrade: ["upgrading", "finishing-upgrade"],
  rollback: ["upgrading", "upgraded", "canceled-upgrade"],
  finishupgrade: ["upgraded"],
  restart: ["active"],
};

const TRANSITIONING_STATES: ReadonlySet<ServiceState> = new Set<ServiceState>([
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

/** True for states in which Cattle is running a process (`transitioning: "yes"`). */
export const isTransitioningState = (state: ServiceState): boolean => TRANSITIONING_STATES.has(state);

export const isProcessAction = (action: string): action is ProcessAction =>
  (PROCESS_ACTIONS as readonly string[]).includes(action);

/** The actions the `actions` map shows in `state`, in Cattle's order (docs/rancher-api.md §3.2). */
export function serviceActionsFor(state: ServiceState): string[] {
  const offered = PROCESS_ACTIONS.filter((action) => START_STATES[action].includes(state));
  const links = state === "removed" || state === "removing" ? [] : LINK_ACTIONS;
  return [...offered, ...links];
}

/** The state an accepted action puts the service in before the 202 is sent. */
export function transitioningStateFor(action: ProcessAction, from: ServiceState): ServiceState {
  switch (action) {
    case "create":
      return "registering";
    case "activate":
      return "activating";
    case "update":
      if (from === "inactive") return "updating-inactive";
      if (from === "active") return "updating-active";
      return from;
    case "deactivate":
      return "deactivating";
    case "remove":
      return "removing";
    case "upgrade":
    case "continueupgrade":
      return "upgrading";
    case "cancelupgrade":
      return "canceling-upgrade";
    case "rollback":
      return "rolling-back";
    case "finishupgrade":
      return "finishing-upgrade";
    case "restart":
      return "restarting";
  }
}

/** States in which the service keeps its containers reconciled (ServiceDiscoveryServiceImpl, docs/rancher-api.md §3.3). */
export const RECONCILE_STATES: ReadonlySet<ServiceState> = new Set<ServiceState>([
  "activating",
  "active",
  "updating-active",
  "restarting",
  "upgrading",
  "upgraded",
  "finishing-upgrade",
  "canceling-upgrade",
  "canceled-upgrade",
  "rolling-back",
]);
