import { validationError } from "./sim-errors.js";

/** A scalar as text (objects as JSON, null/undefined as ""), for comparisons and ids. */
export function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}

/** A JSON object body (or nested object) as received. */
export type InputMap = Record<string, unknown>;

export const isInputMap = (value: unknown): value is InputMap =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Cattle's input conversion for an integer field: numbers and numeric strings are accepted
 * (`"2"` → 2), null/absent take the default, anything else is `InvalidFormat`; below `min` is
 * `MinLimitExceeded` (docs/rancher-api.md §1.7).
 */
export function readInt(input: InputMap, field: string, fallback: number, min?: number): number {
  const raw = input[field];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isInteger(value)) throw validationError("InvalidFormat", field);
  if (min !== undefined && value < min) throw validationError("MinLimitExceeded", field);
  return value;
}

/** Boolean conversion: `true`/`"true"` (any case) are true; other strings and numbers are false. */
export function readBoolean(input: InputMap, field: string, fallback: boolean): boolean {
  const raw = input[field];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "string" || typeof raw === "number") return String(raw).trim().toLowerCase() === "true";
  throw validationError("InvalidFormat", field);
}

/** A nested object field: null/absent → null, non-object → `InvalidFormat`. */
export function readObject(input: InputMap, field: string): InputMap | null {
  const raw = input[field];
  if (raw === undefined || raw === null) return null;
  if (!isInputMap(raw)) throw validationError("InvalidFormat", field);
  return raw;
}

/** A string field: null/absent → undefined; numbers and booleans are converted. */
export function readString(input: InputMap, field: string): string | undefined {
  const raw = input[field];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
  throw validationError("InvalidFormat", field);
}

/** Keys a client may send back from a GET that the server ignores on input. */
const META_KEYS = new Set([
  "links",
  "actions",
  "type",
  "baseType",
  "id",
  "uuid",
  "version",
  "created",
  "createdTS",
  "state",
  "transitioning",
  "transitioningMessage",
  "transitioningProgress",
]);

/** Nested launch-config objects whose `type`/`links`/`actions` are schema noise. */
const NESTED_TYPED = ["healthCheck", "logConfig"] as const;

/** Defaults Cattle's launchConfig schema fills in for absent fields. */
const LAUNCH_CONFIG_DEFAULTS: Readonly<InputMap> = {
  kind: "container",
  networkMode: "managed",
  privileged: false,
  publishAllPorts: false,
  readOnly: false,
  runInit: false,
  startOnCreate: true,
  stdinOpen: false,
  tty: false,
  system: false,
  vcpu: 1,
  drainTimeoutMs: 0,
  instanceTriggeredStop: "stop",
};

/**
 * A launch config as the server stores it: read-only and meta keys dropped (also inside
 * `healthCheck`/`logConfig`), schema defaults added. Nothing is merged with the old config.
 */
export function normaliseLaunchConfig(input: InputMap, keepName: boolean): InputMap {
  const result: InputMap = { ...LAUNCH_CONFIG_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (META_KEYS.has(key) || (key === "name" && !keepName) || value === undefined) continue;
    result[key] = value;
  }
  for (const key of NESTED_TYPED) {
    const nested = result[key];
    if (isInputMap(nested)) {
      const copy: InputMap = {};
      for (const [k, v] of Object.entries(nested))
        if (k !== "type" && k !== "links" && k !== "actions") copy[k] = v;
      result[key] = copy;
    }
  }
  return result;
}

/** `docker:` (or Cattle's `sim:`) followed by an image reference. */
export const isValidImageUuid = (value: unknown): boolean =>
  typeof value === "string" && /^(docker|sim):[^\s:@/][^\s]*$/.test(value);
