import type { Logger } from "pino";
import type { BackendResolver } from "../backend/index.js";
import type { Deployment, DeploymentEvent } from "../domain/index.js";
import type { DeploymentStore } from "../store/index.js";

/** Everything a deployment run needs, injected (tests pass fakes for time). */
export interface DeployContext {
  readonly store: DeploymentStore;
  /** The environment's backend (the engine sees only the `Backend` interface, not a Rancher client). */
  readonly rancher: BackendResolver;
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
