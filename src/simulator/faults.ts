import { createSeededRandom } from "./seeded-random.js";
import { SimulatorError } from "./sim-errors.js";

/** Fault injection for clients under test. Rates are fractions of API requests (0–1). */
export interface FaultSettings {
  /** Share of API requests answered with a 5xx from `errorStatuses` (nothing is done). */
  readonly errorRate: number;
  /** Statuses used by `errorRate`, picked at random. */
  readonly errorStatuses: readonly number[];
  /** Real milliseconds added before every API response. */
  readonly latencyMs: number;
  /** Share of API requests whose connection is reset without an answer. */
  readonly resetRate: number;
  /** Share of accepted actions answered 409 `Conflict` instead (nothing is done). */
  readonly conflictRate: number;
}

export const NO_FAULTS: FaultSettings = {
  errorRate: 0,
  errorStatuses: [500, 503],
  latencyMs: 0,
  resetRate: 0,
  conflictRate: 0,
};

/** A fault for the next request(s), deterministic for tests. */
export type ScriptedFault = { readonly status: number } | "reset" | "conflict";

/** What to do with an API request before handling it. */
export type RequestFault = { readonly status: number } | "reset" | undefined;

function validate(settings: FaultSettings): FaultSettings {
  for (const name of ["errorRate", "resetRate", "conflictRate"] as const) {
    const value = settings[name];
    if (!(value >= 0 && value <= 1))
      throw new SimulatorError(`${name} must be between 0 and 1, got ${String(value)}`);
  }
  if (!(settings.latencyMs >= 0) || !Number.isFinite(settings.latencyMs)) {
    throw new SimulatorError(`latencyMs must be a non-negative number, got ${String(settings.latencyMs)}`);
  }
  if (
    settings.errorStatuses.length === 0 ||
    settings.errorStatuses.some((s) => !Number.isInteger(s) || s < 500 || s > 599)
  ) {
    throw new SimulatorError("errorStatuses must list 5xx statuses");
  }
  return settings;
}

/** Decides, request by request, which fault (if any) to inject. */
export class FaultInjector {
  #settings: FaultSettings;
  readonly #random: () => number;
  readonly #requestQueue: Exclude<ScriptedFault, "conflict">[] = [];
  #conflicts = 0;

  constructor(settings: Partial<FaultSettings> = {}, seed = 1) {
    this.#settings = validate({ ...NO_FAULTS, ...settings });
    this.#random = createSeededRandom(seed);
  }

  get settings(): FaultSettings {
    return this.#settings;
  }

  /** Changes some settings (the others stay). */
  set(settings: Partial<FaultSettings>): void {
    this.#settings = validate({ ...this.#settings, ...settings });
  }

  /** Back to no faults; scripted faults are dropped too. */
  reset(): void {
    this.#settings = NO_FAULTS;
    this.#requestQueue.length = 0;
    this.#conflicts = 0;
  }

  /** The next `count` API requests (or, for `"conflict"`, accepted actions) get `fault`. */
  failNext(count: number, fault: ScriptedFault): void {
    if (fault === "conflict") this.#conflicts += count;
    else for (let i = 0; i < count; i += 1) this.#requestQueue.push(fault);
  }

  forRequest(): RequestFault {
    const scripted = this.#requestQueue.shift();
    if (scripted !== undefined) return scripted;
    const { resetRate, errorRate, errorStatuses } = this.#settings;
    if (resetRate > 0 && this.#random() < resetRate) return "reset";
    if (errorRate > 0 && this.#random() < errorRate) {
      const status = errorStatuses[Math.floor(this.#random() * errorStatuses.length)] ?? 500;
      return { status };
    }
    return undefined;
  }

  conflictForAction(): boolean {
    if (this.#conflicts > 0) {
      this.#conflicts -= 1;
      return true;
    }
    const { conflictRate } = this.#settings;
    return conflictRate > 0 && this.#random() < conflictRate;
  }
}
