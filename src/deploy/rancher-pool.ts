import type { Logger } from "pino";
import type { EnvironmentConfig } from "../config/index.js";
import { RancherClient, RancherNotFoundError, ResourceEvents } from "../rancher/index.js";
import type { RancherTarget } from "./deploy-context.js";

/** A running in-process Rancher simulator, as the pool needs it. */
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

export interface RancherPoolOptions {
  /** The environments of the config in force now (read on every lookup, so reloads apply). */
  readonly environments: () => Readonly<Record<string, EnvironmentConfig>>;
  readonly logger: Logger;
  readonly startSimulator?: SimulatorStarter;
  readonly onCall?: (kind: string, outcome: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Simulator environments' default request timeout. */
  readonly simulatorRequestTimeoutMs?: number;
}

interface Entry {
  readonly fingerprint: string;
  readonly client: RancherClient;
  events?: ResourceEvents;
  readonly simulator?: SimulatorHandle;
}

/**
 * One Rancher client (and one `subscribe` websocket) per configured environment, built on first
 * use and rebuilt when the environment's settings change in a config reload. Environments with
 * `simulator:` get an in-process simulator of their own.
 */
export class RancherPool {
  readonly #options: RancherPoolOptions;
  readonly #entries = new Map<string, Promise<Entry>>();

  constructor(options: RancherPoolOptions) {
    this.#options = options;
  }

  async get(environment: string): Promise<RancherTarget> {
    const environments = this.#options.environments();
    // Own keys only: `constructor` or `toString` is not an environment.
    const config = Object.hasOwn(environments, environment) ? environments[environment] : undefined;
    if (config === undefined)
      throw new RancherNotFoundError(`environment "${environment}" is not in the config`);
    const fingerprint = JSON.stringify(config);
    let pending = this.#entries.get(environment);
    const existing = pending === undefined ? undefined : await pending.catch(() => undefined);
    if (existing === undefined || existing.fingerprint !== fingerprint) {
      if (existing !== undefined) void this.#dispose(existing);
      pending = this.#create(environment, config, fingerprint);
      this.#entries.set(environment, pending);
      pending.catch(() => this.#entries.delete(environment));
    }
    const entry = await (pending as Promise<Entry>);
    if (entry.events === undefined) {
      try {
        const projectId = await entry.client.resolveProjectId();
        entry.events = new ResourceEvents({
          url: entry.client.subscribeUrl(projectId),
          authorization: entry.client.authorization,
          logger: this.#options.logger,
        });
      } catch (error) {
        this.#options.logger.debug(
          { err: { message: (error as Error).message }, environment },
          "no event stream yet",
        );
      }
    }
    return entry.events === undefined
      ? { client: entry.client }
      : { client: entry.client, events: entry.events };
  }

  async close(): Promise<void> {
    const entries = await Promise.all(
      [...this.#entries.values()].map((entry) => entry.catch(() => undefined)),
    );
    this.#entries.clear();
    await Promise.all(
      entries.filter((entry): entry is Entry => entry !== undefined).map((entry) => this.#dispose(entry)),
    );
  }

  async #create(environment: string, config: EnvironmentConfig, fingerprint: string): Promise<Entry> {
    const common = {
      environment,
      logger: this.#options.logger,
      ...(this.#options.onCall === undefined ? {} : { onCall: this.#options.onCall }),
      ...(this.#options.sleep === undefined ? {} : { sleep: this.#options.sleep }),
    };
    if ("simulator" in config) {
      if (this.#options.startSimulator === undefined)
        throw new Error("simulator environments are not available here");
      const simulator = await this.#options.startSimulator(config.simulator, config.timeScale);
      const client = new RancherClient({
        ...common,
        url: simulator.url,
        project: simulator.projectId,
        accessKey: simulator.accessKey,
        secretKey: simulator.secretKey,
        requestTimeoutMs: this.#options.simulatorRequestTimeoutMs ?? 10_000,
      });
      return { fingerprint, client, simulator };
    }
    const client = new RancherClient({
      ...common,
      url: config.url,
      project: config.project,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      requestTimeoutMs: config.requestTimeout,
    });
    return { fingerprint, client };
  }

  async #dispose(entry: Entry): Promise<void> {
    entry.events?.close();
    await entry.simulator?.close();
  }
}
