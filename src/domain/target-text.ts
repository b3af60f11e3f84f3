import type { DeployTarget } from "./deployment.js";

/**
 * One name of a target (environment, stack, service, sidekick), as a regular-expression source: a
 * letter or digit, then letters, digits, `_`, `.` or `-`, at most 128 characters in all.
 */
export const TARGET_NAME = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";
/** One whole name of a target (see {@link TARGET_NAME}). */
export const TARGET_NAME_PATTERN = new RegExp(`^${TARGET_NAME}$`);
/** Longest target text (`environment/stack/service[/sidekick]`) drover accepts as input. */
export const MAX_TARGET_TEXT_LENGTH = 300;

export type TargetTextResult =
  { readonly ok: true; readonly value: DeployTarget } | { readonly ok: false; readonly problem: string };

/**
 * `environment/stack/service` or `environment/stack/service/sidekick` → the target, every part a
 * {@link TARGET_NAME}; or the problem (never quoting the text). Names are kept as written (targets
 * compare case-insensitively by key).
 */
export function parseTargetText(text: string): TargetTextResult {
  if (text.length > MAX_TARGET_TEXT_LENGTH)
    return { ok: false, problem: `the target is longer than ${MAX_TARGET_TEXT_LENGTH} characters` };
  const parts = text.split("/");
  if (parts.length < 3 || parts.length > 4)
    return { ok: false, problem: "the target must be environment/stack/service[/sidekick]" };
  if (!parts.every((part) => TARGET_NAME_PATTERN.test(part)))
    return {
      ok: false,
      problem: "each part of the target must be a name of letters, digits, _ . - (at most 128)",
    };
  const [environment = "", stack = "", service = "", sidekick] = parts;
  return {
    ok: true,
    value:
      sidekick === undefined ? { environment, stack, service } : { environment, stack, service, sidekick },
  };
}

/** The target as text, names as written: `environment/stack/service[/sidekick]`. */
export function formatTargetText(target: DeployTarget): string {
  const { environment, stack, service, sidekick } = target;
  return sidekick === undefined
    ? `${environment}/${stack}/${service}`
    : `${environment}/${stack}/${service}/${sidekick}`;
}
