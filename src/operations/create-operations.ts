import type { Deployment, DeployTarget } from "../domain/index.js";
import type { Timers } from "../domain/index.js";
import { cancelDeployment } from "./cancel-deployment.js";
import { deployManually, type ManualDeployRequest } from "./deploy-manually.js";
import { followDeployment, type FollowClock, type FollowOptions } from "./follow-deployment.js";
import {
  ingestDelivery,
  type IngestDelivery,
  type IngestResult,
  type IngestScope,
} from "./ingest-delivery.js";
import { listDeployments, type DeploymentList, type ListDeploymentsRequest } from "./list-deployments.js";
import { listTargets, showTarget, type TargetView } from "./list-targets.js";
import { createLiveEvents, type LiveEvents } from "./live-events.js";
import type { OperationDeps } from "./operation-deps.js";
import { retryDeployment } from "./retry-deployment.js";
import { rollBackTarget } from "./roll-back-target.js";
import { showConfig, type ConfigSummary } from "./show-config.js";
import { showDeployment, type DeploymentDetails } from "./show-deployment.js";
import { waitForDeployments, type WaitResult } from "./wait-for-deployments.js";

/** Every use case, bound to one store, engine and config: what the HTTP routes and CLI commands call. */
export interface Operations {
  readonly ingest: (delivery: IngestDelivery, scope: IngestScope, reqId: string) => IngestResult;
  readonly deploy: (request: ManualDeployRequest, options?: { readonly queueOnly?: boolean }) => Deployment;
  readonly retry: (id: string, reqId?: string) => Deployment;
  readonly cancel: (id: string) => Deployment;
  readonly rollBack: (target: DeployTarget, reqId?: string) => Deployment;
  readonly list: (request: ListDeploymentsRequest) => DeploymentList;
  readonly show: (id: string) => DeploymentDetails;
  readonly targets: () => TargetView[];
  /** One target by key (`environment/stack/service`), or undefined when nothing names it. */
  readonly target: (key: string) => TargetView | undefined;
  readonly config: () => ConfigSummary;
  /** Follows a deployment's stored state and events, whichever process runs it (on `clock` if given). */
  readonly follow: (id: string, options: FollowOptions, clock?: FollowClock) => Promise<Deployment>;
  /** Waits until the deployments are terminal, `timeoutMs` passes, `signal` aborts or `shutdown` does. */
  readonly wait: (ids: readonly string[], timeoutMs: number, signal: AbortSignal) => Promise<WaitResult>;
  /** The live event hub: stored deployment events, target changes, config reloads (`GET /api/events`). */
  readonly events: LiveEvents;
}

export interface OperationsDeps extends OperationDeps {
  /** Aborts when the app starts shutting down: waits end at once. */
  readonly shutdown: AbortSignal;
  /** The clock `follow` polls the store on (epoch ms). */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** The timers `wait`'s time limit runs on (default Node's). */
  readonly waitTimers?: Timers | undefined;
  /** The live event hub (default: one over the store's feed alone). */
  readonly events?: LiveEvents | undefined;
}

export function createOperations(deps: OperationsDeps): Operations {
  return {
    ingest: (delivery, scope, reqId) => ingestDelivery(deps, delivery, scope, reqId),
    deploy: (request, options) => deployManually(deps, request, options),
    retry: (id, reqId) => retryDeployment(deps, id, reqId),
    cancel: (id) => cancelDeployment(deps, id),
    rollBack: (target, reqId) => rollBackTarget(deps, target, reqId),
    list: (request) => listDeployments(deps, request),
    show: (id) => showDeployment(deps, id),
    targets: () => listTargets(deps),
    target: (key) => showTarget(deps, key),
    config: () => showConfig(deps),
    follow: (id, options, clock) =>
      followDeployment({ store: deps.store, now: deps.now, sleep: deps.sleep, ...clock }, id, options),
    wait: (ids, timeoutMs, signal) =>
      waitForDeployments({ ...deps, timers: deps.waitTimers }, ids, timeoutMs, signal),
    events: deps.events ?? createLiveEvents({ store: deps.store }),
  };
}
