import type { Logger } from "pino";
import type { Deployment, DeploymentEvent } from "../domain/index.js";
import type { RancherClient, ResourceEvents } from "../rancher/index.js";
import type { DeploymentStore } from "../store/index.js";

/** A Rancher environment as the engine uses it. */
export interface RancherTarget {
  readonly client: RancherClient;
  /** The project's `subscribe` websocket, when the environment has one. */
  readonly events?: ResourceEvents;
}

/** Resolves an environment name (from a deployment's target) to its Rancher client. */
export type RancherResolver = (environment: string) => Promise<RancherTarget>;

/** Everything a deployment run needs, injected (tests pass fakes for time). */
export interface DeployContext {
  readonly store: DeploymentStore;
  readonly rancher: RancherResolver;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** For the optional HTTP probe of the verify phase. */
  readonly fetch: typeof fetch;
  /** Called after every persisted change (notifications, metrics, CI waiters). Must not throw. */
  readonly onEvent?: (
    deployment: Deployment,
    event: Pick<DeploymentEvent, "kind" | "detail" | "state">,
  ) => void;
  /** Interval between health checks while verifying. */
  readonly verifyIntervalMs?: number;
}
