import type { Logger } from "pino";
import { ConfigError, formatConfigIssue } from "../errors/index.js";
import type { LoadedConfig } from "./load-config.js";

/** What triggered a reload (for logs and status). */
export type ReloadTrigger = "file" | "signal" | "manual";

export type ReloadResult =
  | { readonly outcome: "swapped"; readonly hash: string }
  | { readonly outcome: "unchanged"; readonly hash: string }
  | { readonly outcome: "rejected"; readonly problems: readonly string[] };

/** Observable state of the active config (served by `/readyz` and later `GET /api/config`). */
export interface ConfigStatus {
  readonly file: string;
  readonly hash: string;
  readonly loadedAt: string;
  /** Successful swaps since start. */
  readonly reloads: number;
  /** Reload attempts refused because the new file was invalid. */
  readonly rejectedReloads: number;
  readonly lastRejected?: {
    readonly at: string;
    readonly trigger: ReloadTrigger;
    readonly problems: readonly string[];
  };
}

export type ConfigListener = (next: LoadedConfig, previous: LoadedConfig) => void;

export interface ConfigHolderOptions {
  readonly initial: LoadedConfig;
  /** Loads the file again; throws ConfigError when it is invalid. */
  readonly load: () => LoadedConfig;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/**
 * Holds the active config and swaps it atomically on reload. An invalid file is rejected:
 * the old config stays in force and the rejection is logged and kept in `status()`.
 * Work in progress keeps the snapshot it took (`current` is an immutable object).
 */
export class ConfigHolder {
  #current: LoadedConfig;
  #fingerprint: string;
  #reloads = 0;
  #rejected = 0;
  #lastRejected: ConfigStatus["lastRejected"];
  readonly #listeners = new Set<ConfigListener>();
  readonly #load: () => LoadedConfig;
  readonly #log: Logger;
  readonly #now: () => Date;

  constructor(options: ConfigHolderOptions) {
    this.#current = options.initial;
    this.#fingerprint = JSON.stringify(options.initial.config);
    this.#load = options.load;
    this.#log = options.logger.child({ component: "config" });
    this.#now = options.now ?? (() => new Date());
  }

  get current(): LoadedConfig {
    return this.#current;
  }

  /** Calls `listener(next, previous)` after every swap; returns an unsubscribe function. */
  subscribe(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  reload(trigger: ReloadTrigger): ReloadResult {
    let next: LoadedConfig;
    try {
      next = this.#load();
    } catch (error) {
      const problems =
        error instanceof ConfigError
          ? error.issues.map(formatConfigIssue)
          : ["unexpected error while loading"];
      this.#rejected += 1;
      this.#lastRejected = { at: this.#now().toISOString(), trigger, problems };
      this.#log.error(
        {
          trigger,
          problems,
          keptHash: this.#current.hash,
          err: error instanceof ConfigError ? undefined : error,
        },
        "config reload rejected, keeping the previous config",
      );
      return { outcome: "rejected", problems };
    }
    const fingerprint = JSON.stringify(next.config);
    if (fingerprint === this.#fingerprint) {
      this.#log.debug({ trigger, hash: next.hash }, "config unchanged");
      return { outcome: "unchanged", hash: next.hash };
    }
    const previous = this.#current;
    this.#current = next;
    this.#fingerprint = fingerprint;
    this.#reloads += 1;
    this.#log.info(
      { trigger, hash: next.hash, previousHash: previous.hash, reloads: this.#reloads },
      "config reloaded",
    );
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch (error) {
        this.#log.error({ err: error }, "config listener failed");
      }
    }
    return { outcome: "swapped", hash: next.hash };
  }

  status(): ConfigStatus {
    const base = {
      file: this.#current.file,
      hash: this.#current.hash,
      loadedAt: this.#current.loadedAt,
      reloads: this.#reloads,
      rejectedReloads: this.#rejected,
    };
    return this.#lastRejected === undefined ? base : { ...base, lastRejected: this.#lastRejected };
  }
}
