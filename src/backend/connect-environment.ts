import type { Logger } from "pino";
import type { EnvironmentConfig } from "../config/index.js";
import { safeUrl } from "../log/index.js";
import { RancherClient, ResourceEvents, type RetryPolicy } from "../rancher/index.js";
import type { Backend, ChangeFeed } from "./backend.js";

/** A running in-process Rancher simulator, as a connection needs it. */
export interface SimulatorHandle {
  readonly url: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** The simulated project the environment deploys to. */
  readonly projectId: string;
  close(): Promise<void>;
}

/** Starts an in-process simulator for an environment with `simulator: <seed>` (injected by the app). */
export type SimulatorStarter = (seed: string, timeScale: number) => Promise<SimulatorHandle>;

/** How to build the connections (the same for every environment of one caller). */
export interface ConnectOptions {
  readonly logger: Logger;
  /** Needed for `simulator:` environments; without it they fail to connect. */
  readonly startSimulator?: SimulatorStarter | undefined;
  /** Every HTTP exchange with the orchestrator: call kind and outcome (metrics). */
  readonly onCall?: ((kind: string, outcome: string) => void) | undefined;
  /** Retry backoff sleeps (tests pass virtual time; a check passes one that ends at its deadline). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Retries of reads and unapplied actions (default: the client's). */
  readonly retry?: RetryPolicy | undefined;
  /** Request timeout of `simulator:` environments (default 10 s; real ones use `requestTimeout`). */
  readonly simulatorRequestTimeoutMs?: number | undefined;
  /** Upper bound on every request's timeout, e.g. a check's whole deadline. */
  readonly maxRequestTimeoutMs?: number | undefined;
}

/** One environment's backend, built from its config: today always Rancher 1.6 (or its simulator). */
export interface EnvironmentConnection {
  readonly environment: string;
  readonly client: Backend;
  /**
   * Opens the project's change feed (once; later calls return the same feed). Rejects when the
   * project cannot be resolved yet — call again later; the feed is then opened on that call — and
   * once the connection is closed.
   */
  openChangeFeed(): Promise<ChangeFeed>;
  /** Closes the change feed and stops a simulator started for this connection. */
  close(): Promise<void>;
}

const DEFAULT_SIMULATOR_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Environment config → connected backend: the one place that knows how an environment entry
 * becomes a client. A `simulator:` entry starts an in-process simulator (closed with the
 * connection); a `url:` entry gets a Rancher 1.6 client for that server and project.
 * @throws when a simulator is needed but cannot be started (or `startSimulator` is missing).
 */
export async function connectEnvironment(
  environment: string,
  config: EnvironmentConfig,
  options: ConnectOptions,
): Promise<EnvironmentConnection> {
  const cap = (ms: number): number => Math.min(ms, options.maxRequestTimeoutMs ?? Number.POSITIVE_INFINITY);
  const common = {
    environment,
    logger: options.logger,
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  };
  let simulator: SimulatorHandle | undefined;
  let client: RancherClient;
  if ("simulator" in config) {
    if (options.startSimulator === undefined)
      throw new Error("simulator environments are not available here");
    simulator = await options.startSimulator(config.simulator, config.timeScale);
    client = new RancherClient({
      ...common,
      url: simulator.url,
      project: simulator.projectId,
      accessKey: simulator.accessKey,
      secretKey: simulator.secretKey,
      requestTimeoutMs: cap(options.simulatorRequestTimeoutMs ?? DEFAULT_SIMULATOR_REQUEST_TIMEOUT_MS),
    });
  } else {
    client = new RancherClient({
      ...common,
      url: config.url,
      project: config.project,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      requestTimeoutMs: cap(config.requestTimeout),
    });
  }
  let feed: ResourceEvents | undefined;
  let closed = false;
  return {
    environment,
    client,
    // Each call resolves the project itself (the client caches the id) rather than joining another
    // caller's attempt: a caller never waits on someone else's retry backoff.
    async openChangeFeed() {
      const refuseClosed = (): void => {
        if (closed) throw new Error(`the connection to environment "${environment}" is closed`);
      };
      refuseClosed();
      if (feed !== undefined) return feed;
      const projectId = await client.resolveProjectId();
      refuseClosed();
      feed ??= new ResourceEvents({
        url: client.subscribeUrl(projectId),
        authorization: client.authorization,
        logger: options.logger,
      });
      return feed;
    },
    async close() {
      closed = true;
      feed?.close();
      await simulator?.close();
    },
  };
}

/** Where an environment's orchestrator is, for messages: its URL without credentials, or its simulator seed. */
export function describeEnvironment(config: EnvironmentConfig): string {
  return "simulator" in config ? `simulator "${config.simulator}"` : safeUrl(config.url);
}
