import type { Logger } from "pino";
import type { Config, EnvironmentConfig } from "../config/index.js";
import type { SimulatorHandle, SimulatorStarter } from "../deploy/index.js";
import { safeUrl } from "../log/index.js";
import {
  RancherApiError,
  RancherAuthError,
  RancherClient,
  RancherNotFoundError,
  RancherUnavailableError,
  type RetryPolicy,
  type Service,
} from "../rancher/index.js";

/** One distinct target of the rules, as `config check --resolve` reports it. */
export interface TargetCheck {
  /** `environment/stack/service[/sidekick]`, spelled as in the first rule naming it. */
  readonly key: string;
  readonly ok: boolean;
  /** `1s1 (active, docker:…)` when ok, else why it does not resolve. */
  readonly detail: string;
}

export interface ResolveTargetsOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Starts the in-process simulator of a `simulator:` environment. */
  readonly startSimulator: SimulatorStarter;
  /** Bound on all Rancher calls of one environment (simulator start-up included). */
  readonly timeoutMs: number;
}

interface Target {
  readonly key: string;
  readonly environment: string;
  readonly stack: string;
  readonly service: string;
  readonly sidekick: string | undefined;
}

/** Fewer, shorter retries than a deployment's: a check should answer within its timeout. */
const CHECK_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 };

class DeadlineError extends Error {}

/**
 * Resolves every distinct target of the rules against its environment's Rancher: project,
 * stack, service, and the sidekick's secondary launch config. Environments are checked in
 * parallel, each bounded by `timeoutMs`; simulators started here are closed before returning.
 * Results come back in the order the rules name the targets.
 */
export async function resolveTargets(options: ResolveTargetsOptions): Promise<TargetCheck[]> {
  const targets = distinctTargets(options.config);
  const byEnvironment = new Map<string, Target[]>();
  for (const target of targets) {
    const list = byEnvironment.get(target.environment) ?? [];
    list.push(target);
    byEnvironment.set(target.environment, list);
  }
  const results = new Map<string, TargetCheck>();
  await Promise.all(
    [...byEnvironment].map(async ([environment, list]) => {
      const settings = options.config.environments[environment];
      const checks =
        settings === undefined
          ? list.map((target) => fail(target, `environment "${environment}" is not in the config`))
          : await checkEnvironment(environment, settings, list, options);
      for (const check of checks) results.set(check.key, check);
    }),
  );
  return targets.map((target) => results.get(target.key) ?? fail(target, "not checked (internal error)"));
}

function distinctTargets(config: Config): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const rule of config.rules) {
    for (const target of rule.targets) {
      const key = [target.environment, target.stack, target.service, target.sidekick]
        .filter((part) => part !== undefined)
        .join("/");
      // Rancher names are case-insensitive; the environment is a config key and is not.
      const identity = `${target.environment}\0${key.slice(target.environment.length).toLowerCase()}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      targets.push({
        key,
        environment: target.environment,
        stack: target.stack,
        service: target.service,
        sidekick: target.sidekick,
      });
    }
  }
  return targets;
}

async function checkEnvironment(
  environment: string,
  settings: EnvironmentConfig,
  targets: readonly Target[],
  options: ResolveTargetsOptions,
): Promise<TargetCheck[]> {
  const { timeoutMs } = options;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
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
      const wait = setTimeout(resolve, ms);
      wait.unref();
      deadline.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(wait);
          reject(new DeadlineError());
        },
        { once: true },
      );
    });
  const where = "simulator" in settings ? `simulator "${settings.simulator}"` : safeUrl(settings.url);
  const results = new Map<string, TargetCheck>();
  let starting: Promise<SimulatorHandle> | undefined;
  const work = async (): Promise<void> => {
    let client: RancherClient;
    const common = { environment, logger: options.logger, retry: CHECK_RETRY, sleep };
    if ("simulator" in settings) {
      starting = options.startSimulator(settings.simulator, settings.timeScale);
      const simulator = await starting;
      client = new RancherClient({
        ...common,
        url: simulator.url,
        project: simulator.projectId,
        accessKey: simulator.accessKey,
        secretKey: simulator.secretKey,
        requestTimeoutMs: Math.min(10_000, timeoutMs),
      });
    } else {
      client = new RancherClient({
        ...common,
        url: settings.url,
        project: settings.project,
        accessKey: settings.accessKey,
        secretKey: settings.secretKey,
        requestTimeoutMs: Math.min(settings.requestTimeout, timeoutMs),
      });
    }
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
    clearTimeout(timer);
    deadline.abort();
    if (starting !== undefined) {
      const simulator = await starting.catch(() => undefined);
      await simulator?.close();
    }
  }
  return targets.map(
    (target) => results.get(target.key) ?? fail(target, failure ?? "not checked (internal error)"),
  );
}

async function checkTarget(client: RancherClient, target: Target): Promise<TargetCheck> {
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
  if (target.sidekick === undefined) {
    return {
      key: target.key,
      ok: true,
      detail: `${serviceId} (${service.state}, ${image(service.launchConfig)})`,
    };
  }
  const wanted = target.sidekick.toLowerCase();
  const sidekicks = service.secondaryLaunchConfigs ?? [];
  const sidekick = sidekicks.find((config) => config.name.toLowerCase() === wanted);
  if (sidekick === undefined) {
    const known = sidekicks.map((config) => config.name);
    return fail(
      target,
      `sidekick "${target.sidekick}" not found on service "${target.service}" in stack "${target.stack}" (${
        known.length === 0 ? "it has no sidekicks" : `its sidekicks: ${known.join(", ")}`
      })`,
    );
  }
  return {
    key: target.key,
    ok: true,
    detail: `${serviceId} sidekick ${sidekick.name} (${service.state}, ${image(sidekick)})`,
  };
}

function environmentFailure(environment: string, where: string, error: unknown): string {
  const text = message(error);
  if (error instanceof RancherAuthError) return `${text} (Rancher at ${where})`;
  if (error instanceof RancherUnavailableError)
    return `cannot reach Rancher at ${where} for environment "${environment}": ${text}`;
  if (error instanceof RancherNotFoundError || error instanceof RancherApiError) return text;
  return `environment "${environment}" (${where}): ${text}`;
}

function image(config: { readonly imageUuid?: string } | null | undefined): string {
  return config?.imageUuid ?? "no image";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fail(target: Target, detail: string): TargetCheck {
  return { key: target.key, ok: false, detail };
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
