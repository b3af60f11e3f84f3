import type { Logger } from "pino";
import { connectEnvironment, type SimulatorStarter } from "../backend/index.js";
import type { Config } from "../config/index.js";
import type { Timers } from "../domain/index.js";
import { checkTargets, type CheckTargetsResult, type TargetCheck } from "../operations/index.js";

export interface ResolveTargetsOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Starts the in-process simulator of a `simulator:` environment. */
  readonly startSimulator: SimulatorStarter;
  /** Bound on all Rancher calls of one environment (simulator start-up included). */
  readonly timeoutMs: number;
  /** The timers that bound runs on (default Node's). */
  readonly timers?: Timers | undefined;
}

/**
 * `config check --resolve`: runs the {@link checkTargets} operation with connections built by
 * `connectEnvironment` (the same factory the daemon's pool uses), limited by the check.
 */
export function resolveTargets(options: ResolveTargetsOptions): Promise<CheckTargetsResult> {
  return checkTargets({
    config: options.config,
    timeoutMs: options.timeoutMs,
    timers: options.timers,
    connect: (environment, settings, limits) =>
      connectEnvironment(environment, settings, {
        logger: options.logger,
        startSimulator: options.startSimulator,
        ...limits,
      }),
  });
}

/**
 * One output line per target:
 * `ok demo/shop/frontend → 1s1 (active, docker:…)`, `ok …/nginx → 1s1 sidekick nginx (…)` or
 * `FAIL prod/shop/api: why`.
 */
export function formatTargetCheck(check: TargetCheck): string {
  if (!check.ok) return `FAIL ${check.key}: ${check.reason}`;
  const sidekick = check.sidekick === undefined ? "" : ` sidekick ${check.sidekick}`;
  return `ok ${check.key} → ${check.serviceId}${sidekick} (${check.state}, ${check.image ?? "no image"})`;
}
