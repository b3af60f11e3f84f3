/** Simulated durations, in simulated milliseconds. Defaults look like a small Rancher 1.6 host. */
export interface SimTiming {
  /** Image pull (state `creating`). */
  readonly pullMs: number;
  /** Container start (state `starting`). */
  readonly startMs: number;
  /** Container stop (state `stopping`). */
  readonly stopMs: number;
  /** Container removal (state `removing`). */
  readonly removeMs: number;
  /** Service and stack creation (state `registering`). */
  readonly registerMs: number;
  /** Cattle's bound on each health wait inside a process (`resource.monitor.default.wait.millis`). */
  readonly healthWaitTimeoutMs: number;
  /** Delay before a failed process step is retried (`task.process.replay.schedule`). */
  readonly processRetryMs: number;
  /** Websocket keep-alive interval (`api.sub.ping.interval.millis`). */
  readonly pingIntervalMs: number;
  /** Removed containers are forgotten (purged) this long after removal. */
  readonly purgeAfterMs: number;
}

/** Timing overrides; undefined entries keep the default. */
export type TimingOverrides = { readonly [K in keyof SimTiming]?: SimTiming[K] | undefined };

/** The defaults with every defined override applied. */
export function resolveTiming(...overrides: readonly (TimingOverrides | undefined)[]): SimTiming {
  const result: Record<string, number> = { ...DEFAULT_TIMING };
  for (const override of overrides) {
    for (const [key, value] of Object.entries(override ?? {}))
      if (typeof value === "number") result[key] = value;
  }
  return result as unknown as SimTiming;
}

export const DEFAULT_TIMING: SimTiming = {
  pullMs: 1500,
  startMs: 500,
  stopMs: 500,
  removeMs: 200,
  registerMs: 200,
  healthWaitTimeoutMs: 45_000,
  processRetryMs: 15_000,
  pingIntervalMs: 5000,
  purgeAfterMs: 3_600_000,
};

/** How containers of an image or service behave. Unset fields mean "normal". */
export interface ContainerBehaviour {
  /** The image pull fails: the container errors, the service process reports it and retries. */
  readonly pullFails?: boolean | undefined;
  /** The health check never passes: the container stays `initializing` until `initializingTimeout`. */
  readonly neverHealthy?: boolean | undefined;
  /** Healthy first, then `unhealthy` this many simulated ms later (and recreated, per strategy). */
  readonly unhealthyAfterMs?: number | undefined;
  /** Multiplies pull and start durations (10 = ten times slower). */
  readonly slowFactor?: number | undefined;
  /**
   * The process exits (non-zero) this many simulated ms after every start: the container stops,
   * reconcile starts it again, and so on — a crash loop (`startCount` keeps growing).
   */
  readonly exitsAfterMs?: number | undefined;
}

/** A behaviour and what it applies to. The first matching rule wins. */
export interface BehaviourRule extends ContainerBehaviour {
  /** Exact image tag, e.g. `1.4.2`. */
  readonly tag?: string | undefined;
  /** Image tag prefix, e.g. `bad-`. */
  readonly tagPrefix?: string | undefined;
  /** Service as `stack/service` (names) or its id (`1s3`). */
  readonly service?: string | undefined;
}

/** The scripted tags every simulator knows (docs/simulator.md "Scripted behaviours"). */
export const BUILTIN_BEHAVIOURS: readonly BehaviourRule[] = [
  { tagPrefix: "bad-", neverHealthy: true },
  { tagPrefix: "nopull-", pullFails: true },
  { tagPrefix: "flaky-", unhealthyAfterMs: 3000 },
  { tagPrefix: "slow-", slowFactor: 10 },
  { tagPrefix: "crash-", exitsAfterMs: 2000 },
];

/** `docker:registry:5000/shop/web:1.2@sha256:…` → `1.2`; no tag → `latest`. */
export function imageTag(imageUuid: string): string {
  const withoutDigest = imageUuid.replace(/^docker:/, "").split("@")[0] ?? "";
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  return colon > lastSlash ? withoutDigest.slice(colon + 1) : "latest";
}

/** Who a container belongs to, for rule matching. */
export interface BehaviourSubject {
  readonly imageUuid: string;
  readonly serviceId: string;
  readonly serviceRef: string;
}

const matches = (rule: BehaviourRule, subject: BehaviourSubject, tag: string): boolean => {
  if (
    rule.service !== undefined &&
    rule.service !== subject.serviceId &&
    rule.service !== subject.serviceRef
  ) {
    return false;
  }
  if (rule.tag !== undefined && rule.tag !== tag) return false;
  if (rule.tagPrefix !== undefined && !tag.startsWith(rule.tagPrefix)) return false;
  return true;
};

/**
 * Looks up the behaviour of a container: rules added at run time (newest first), then the
 * seed's rules, then the built-in tag prefixes.
 */
export class BehaviourRegistry {
  readonly #seedRules: readonly BehaviourRule[];
  #runtimeRules: BehaviourRule[] = [];

  constructor(seedRules: readonly BehaviourRule[] = []) {
    this.#seedRules = seedRules;
  }

  /** Adds a rule that wins over every earlier one. */
  add(rule: BehaviourRule): void {
    this.#runtimeRules.unshift(rule);
  }

  /** Drops the rules added at run time (seed and built-in rules stay). */
  clear(): void {
    this.#runtimeRules = [];
  }

  rules(): readonly BehaviourRule[] {
    return [...this.#runtimeRules, ...this.#seedRules, ...BUILTIN_BEHAVIOURS];
  }

  resolve(subject: BehaviourSubject): ContainerBehaviour {
    const tag = imageTag(subject.imageUuid);
    return this.rules().find((rule) => matches(rule, subject, tag)) ?? {};
  }
}
