import type { DeployTarget } from "./deployment.js";

/**
 * `environment/stack/service` or `environment/stack/service/sidekick` → the target; undefined
 * unless the text has 3 or 4 non-empty parts. Names are kept as written (targets compare
 * case-insensitively by key).
 */
export function parseTargetText(text: string): DeployTarget | undefined {
  const parts = text.split("/");
  if (parts.length < 3 || parts.length > 4 || parts.some((part) => part === "")) return undefined;
  const [environment = "", stack = "", service = "", sidekick] = parts;
  return sidekick === undefined ? { environment, stack, service } : { environment, stack, service, sidekick };
}
