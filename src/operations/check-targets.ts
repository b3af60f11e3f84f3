import {
  describeEnvironment,
  type Backend,
  type ConnectOptions,
  type EnvironmentConnection,
} from "../backend/index.js";
import type { Config, EnvironmentConfig } from "../config/index.js";
import { targetLaunchConfig } from "../deploy/index.js";
import { formatTargetText, targetKey } from "../domain/index.js";
import { realTimers, type Timers } from "../domain/index.js";
import {
  RancherApiError,
  RancherAuthError,
  RancherNotFoundError,
  RancherUnavailableError,
  type RetryPolicy,
  type Service,
} from "../rancher/index.js";

/** A target of the rules, by names, as the first rule naming it spells them. */
export interface CheckedTarget {
  readonly environment: string;
  readonly stack: string;
  readonly service: string;
  readonly sidekick?: string;
}

/** A target that resolves: where it is and what it runs now. */
export interface TargetResolved {
  readonly ok: true;
  /** `environment/stack/service[/sidekick]`, spelled as in the first rule naming it. */
  readonly key: string;
  readonly target: CheckedTarget;
  readonly serviceId: string;
  /** The service's state (`active`, `upgraded`…). */
  readonly state: string;
  /** The sidekick's name as the backend spells it, for a sidekick target. */
  readonly sidekick?: string;
  /** The target launch config's `imageUuid` (`docker:…`); undefined when it has none. */
  readonly image: string | undefined;
}

/** A target that does not resolve, and why (one sentence, no secrets). */
export interface TargetUnresolved {
  readonly ok: false;
  readonly key: string;
  readonly target: CheckedTarget;
  readonly reason: string;
}

export type TargetCheck = TargetResolved | TargetUnresolved;

export interface CheckTargetsResult {
  /** One per distinct target, in the order the rules name them. */
  readonly checks: readonly TargetCheck[];
  /** How many did not resolve. */
  readonly failed: number;
}

/** What the check overrides in an environment's connection: shorter retries, bounded by its deadline. */
export type CheckConnectLimits = Required<
  Pick<ConnectOptions, "retry" | "sleep" | "maxRequestTimeoutMs" | "simulatorRequestTimeoutMs">
>;

export interface CheckTargetsDeps {
  readonly config: Config;
  /**
   * Builds one environment's connection with the check's limits (the CLI passes
   * `connectEnvironment` with its logger and simulator starter). Connections are closed before
   * {@link checkTargets} returns.
   */
  readonly connect: (
    environment: string,
    settings: EnvironmentConfig,
    limits: CheckConnectLimits,
  ) => Promise<EnvironmentConnection>;
  /** Bound on all backend calls of one environment (simulator start-up included). */
  readonly timeoutMs: number;
  /** The timers that bound runs on, retry backoffs included (default Node's; tests pass a manual clock). */
  readonly timers?: Timers | undefined;
}

interface Target extends CheckedTarget {
  readonly key: string;
}

/** Fewer, shorter retries than a deployment's: a check should answer within its timeout. */
export const CHECK_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 };
const SIMULATOR_REQUEST_TIMEOUT_MS = 10_000;

class DeadlineError extends Error {}

/**
 * Resolves every distinct target of the rules against its environment's backend, read-only: the
 * project, the stack, the service, and the sidekick's secondary launch config. Environments are
 * checked in parallel, each bounded by `timeoutMs`; connections (and simulators) opened here are
 * closed before returning. Results come back in the order the rules name the targets; the
 * function itself only throws on a programming error.
 */
export async function checkTargets(deps: CheckTargetsDeps): Promise<CheckTargetsResult> {
  const targets = distinctTargets(deps.config);
  const byEnvironment = new Map<string, Target[]>();
  for (const target of targets) {
    const list = byEnvironment.get(target.environment) ?? [];
    list.push(target);
    byEnvironment.set(target.environment, list);
  }
  const results = new Map<string, TargetCheck>();
  await Promise.all(
    [...byEnvironment].map(async ([environment, list]) => {
      const environments = deps.config.environments;
      const settings = Object.hasOwn(environments, environment) ? environments[environment] : undefined;
      const checks =
        settings === undefined
          ? list.map((target) => fail(target, `environment "${environment}" is not in the config`))
          : await checkEnvironment(environment, settings, list, deps);
      for (const check of checks) results.set(check.key, check);
    }),
  );
  const checks = targets.map(
    (target) => results.get(target.key) ?? fail(target, "not checked (internal error)"),
  );
  return { checks, failed: checks.filter((check) => !check.ok).length };
}

function distinctTargets(config: Config): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const rule of config.rules) {
    for (const { environment, stack, service, sidekick } of rule.targets) {
      const target: CheckedTarget =
        sidekick === undefined ? { environment, stack, service } : { environment, stack, service, sidekick };
      // The engine's key (Rancher names are case-insensitive) and the sidekick, under the
      // environment as the config spells it: environments are config keys, each its own backend.
      const identity = `${environment}\0${targetKey(target)}\0${(sidekick ?? "").toLowerCase()}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      targets.push({ key: formatTargetText(target), ...target });
    }
  }
  return targets;
}

async function checkEnvironment(
  environment: string,
  settings: EnvironmentConfig,
  targets: readonly Target[],
  deps: CheckTargetsDeps,
): Promise<TargetCheck[]> {
  const { timeoutMs } = deps;
  const timers = deps.timers ?? realTimers;
  const deadline = new AbortController();
  const timer = timers.setTimeout(() => deadline.abort(), timeoutMs);
  const timedOut = new Promise<never>((_resolve, reject) => {
    deadline.signal.addEventListener("abort", () => reject(new DeadlineError()), { once: true });
  });
  timedOut.catch(() => undefined);
  // A retry backoff that ends (by throwing) at the deadline, so no call outlives the check for long.
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (deadline.signal.aborted) {
        reject(new DeadlineError());
        return;
      }
      const wait = timers.setTimeout(resolve, ms);
      deadline.signal.addEventListener(
        "abort",
        () => {
          timers.clearTimeout(wait);
          reject(new DeadlineError());
        },
        { once: true },
      );
    });
  const where = describeEnvironment(settings);
  const results = new Map<string, TargetCheck>();
  let connecting: Promise<EnvironmentConnection> | undefined;
  const work = async (): Promise<void> => {
    connecting = deps.connect(environment, settings, {
      retry: CHECK_RETRY,
      sleep,
      maxRequestTimeoutMs: timeoutMs,
      simulatorRequestTimeoutMs: SIMULATOR_REQUEST_TIMEOUT_MS,
    });
    const { client } = await connecting;
    // The project first: when it fails (credentials, network) every target fails the same way.
    await client.resolveProjectId();
    for (const target of targets) {
      if (deadline.signal.aborted) return;
      results.set(target.key, await checkTarget(client, target));
    }
  };
  let failure: string | undefined;
  try {
    await Promise.race([work(), timedOut]);
  } catch (error) {
    failure =
      error instanceof DeadlineError
        ? `no answer from Rancher (${where}) for environment "${environment}" within ${seconds(timeoutMs)}`
        : environmentFailure(environment, where, error);
  } finally {
    timers.clearTimeout(timer);
    deadline.abort();
    if (connecting !== undefined) {
      const connection = await connecting.catch(() => undefined);
      await connection?.close();
    }
  }
  return targets.map(
    (target) => results.get(target.key) ?? fail(target, failure ?? "not checked (internal error)"),
  );
}

async function checkTarget(client: Backend, target: Target): Promise<TargetCheck> {
  let service: Service;
  let serviceId: string;
  try {
    const ref = await client.resolveService(target.stack, target.service);
    serviceId = ref.serviceId;
    service = await client.getService(ref);
  } catch (error) {
    if (error instanceof DeadlineError) throw error;
    return fail(target, message(error));
  }
  const found = {
    ok: true as const,
    key: target.key,
    target: checked(target),
    serviceId,
    state: service.state,
  };
  if (target.sidekick === undefined)
    return { ...found, image: targetLaunchConfig(service, undefined)?.imageUuid };
  const sidekick = targetLaunchConfig(service, target.sidekick);
  if (sidekick === undefined) {
    const known = (service.secondaryLaunchConfigs ?? []).map((config) => config.name);
    return fail(
      target,
      `sidekick "${target.sidekick}" not found on service "${target.service}" in stack "${target.stack}" (${
        known.length === 0 ? "it has no sidekicks" : `its sidekicks: ${known.join(", ")}`
      })`,
    );
  }
  return { ...found, sidekick: sidekick.name, image: sidekick.imageUuid };
}

function environmentFailure(environment: string, where: string, error: unknown): string {
  const text = message(error);
  if (error instanceof RancherAuthError) return `${text} (Rancher at ${where})`;
  if (error instanceof RancherUnavailableError)
    return `cannot reach Rancher at ${where} for environment "${environment}": ${text}`;
  if (error instanceof RancherNotFoundError || error instanceof RancherApiError) return text;
  return `environment "${environment}" (${where}): ${text}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checked({ key: _key, ...target }: Target): CheckedTarget {
  return target;
}

function fail(target: Target, reason: string): TargetUnresolved {
  return { ok: false, key: target.key, target: checked(target), reason };
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
