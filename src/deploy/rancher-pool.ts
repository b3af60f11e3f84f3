import type { Logger } from "pino";
import {
  connectEnvironment,
  type BackendConnection,
  type EnvironmentConnection,
  type SimulatorStarter,
} from "../backend/index.js";
import type { EnvironmentConfig } from "../config/index.js";
import { RancherNotFoundError } from "../rancher/index.js";

export type { SimulatorHandle, SimulatorStarter } from "../backend/index.js";

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
  readonly connection: EnvironmentConnection;
  events?: BackendConnection["events"];
}

/**
 * One backend connection (and one change feed) per configured environment, built on first use
 * by `connectEnvironment` and rebuilt when the environment's settings change in a config reload.
 * Environments with `simulator:` get an in-process simulator of their own.
 */
export class RancherPool {
  readonly #options: RancherPoolOptions;
  readonly #entries = new Map<string, Promise<Entry>>();

  constructor(options: RancherPoolOptions) {
    this.#options = options;
  }

  async get(environment: string): Promise<BackendConnection> {
    const environments = this.#options.environments();
    // Own keys only: `constructor` or `toString` is not an environment.
    const config = Object.hasOwn(environments, environment) ? environments[environment] : undefined;
    if (config === undefined)
      throw new RancherNotFoundError(`environment "${environment}" is not in the config`);
    const fingerprint = JSON.stringify(config);
    let pending = this.#entries.get(environment);
    const existing = pending === undefined ? undefined : await pending.catch(() => undefined);
    if (existing === undefined || existing.fingerprint !== fingerprint) {
      if (existing !== undefined) void existing.connection.close();
      pending = this.#create(environment, config, fingerprint);
      this.#entries.set(environment, pending);
      pending.catch(() => this.#entries.delete(environment));
    }
    const entry = await (pending as Promise<Entry>);
    if (entry.events === undefined) {
      try {
        entry.events = await entry.connection.openChangeFeed();
      } catch (error) {
        this.#options.logger.debug(
          { err: { message: (error as Error).message }, environment },
          "no event stream yet",
        );
      }
    }
    const { client } = entry.connection;
    return entry.events === undefined ? { client } : { client, events: entry.events };
  }

  async close(): Promise<void> {
    const entries = await Promise.all(
      [...this.#entries.values()].map((entry) => entry.catch(() => undefined)),
    );
    this.#entries.clear();
    await Promise.all(
      entries.filter((entry): entry is Entry => entry !== undefined).map((entry) => entry.connection.close()),
    );
  }

  async #create(environment: string, config: EnvironmentConfig, fingerprint: string): Promise<Entry> {
    const connection = await connectEnvironment(environment, config, {
      logger: this.#options.logger,
      startSimulator: this.#options.startSimulator,
      onCall: this.#options.onCall,
      sleep: this.#options.sleep,
      simulatorRequestTimeoutMs: this.#options.simulatorRequestTimeoutMs,
    });
    return { fingerprint, connection };
  }
}
