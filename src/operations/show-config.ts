import type { ConfigStatus } from "../config/index.js";
import type { OperationDeps } from "./operation-deps.js";

/** The config in force: its status (hash, load time, reloads) and what it defines, without any value. */
export interface ConfigSummary extends ConfigStatus {
  readonly environments: readonly string[];
  readonly sources: readonly string[];
  readonly rules: number;
}

export function showConfig(deps: Pick<OperationDeps, "config" | "configStatus">): ConfigSummary {
  const config = deps.config();
  return {
    ...deps.configStatus(),
    environments: Object.keys(config.environments),
    sources: Object.keys(config.sources),
    rules: config.rules.length,
  };
}
