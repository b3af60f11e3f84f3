import type { Express } from "express";
import type { Logger } from "pino";
import { type ConfigHolder } from "./config/index.js";
import { createHttpApp } from "./http/index.js";

export interface AppDeps {
  readonly configHolder: ConfigHolder;
  readonly logger: Logger;
  /** True while the process shuts down (responses then close their connection). */
  readonly isDraining?: () => boolean;
}

export interface App {
  /** The express app (not listening; `serve` or supertest attach it to a server). */
  readonly http: Express;
  /** True once every component is ready (what `/readyz` reports). */
  isReady(): boolean;
  /** Releases every resource the app holds. Idempotent. */
  close(): Promise<void>;
}

/**
 * Composition root: builds every component from the config and wires them together.
 * Nothing here listens or reads `process.env`; `serve` does that.
 */
export function createApp(deps: AppDeps): App {
  const { configHolder, logger } = deps;
  let closed = false;
  const readinessChecks = [
    { name: "config", check: () => !closed && configHolder.current.config !== undefined },
  ];
  const http = createHttpApp({
    logger,
    trustProxy: configHolder.current.config.server.trustProxy,
    readinessChecks,
    readinessDetails: () => {
      const status = configHolder.status();
      return {
        config: {
          hash: status.hash,
          loadedAt: status.loadedAt,
          reloads: status.reloads,
          rejectedReloads: status.rejectedReloads,
        },
      };
    },
    ...(deps.isDraining === undefined ? {} : { isDraining: deps.isDraining }),
  });
  return {
    http,
    isReady: () => readinessChecks.every((item) => item.check()),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}
