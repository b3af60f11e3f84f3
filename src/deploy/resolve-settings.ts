import type { Config } from "../config/index.js";
import type { DeploySettings, DeployTarget } from "../domain/index.js";
import { resolveTargetSettings } from "../routing/index.js";

/**
 * Settings for a deployment asked for by target rather than by push (manual deploys, CLI,
 * rollbacks): the first rule target naming the same target and sidekick supplies its overrides,
 * so these behave like pushes; otherwise `defaults` apply.
 */
export function resolveSettings(config: Config, target: DeployTarget): DeploySettings {
  const same = (a: string | undefined, b: string | undefined): boolean =>
    (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
  for (const rule of config.rules) {
    for (const candidate of rule.targets) {
      if (
        same(candidate.environment, target.environment) &&
        same(candidate.stack, target.stack) &&
        same(candidate.service, target.service) &&
        same(candidate.sidekick, target.sidekick)
      ) {
        return resolveTargetSettings(config.defaults, candidate);
      }
    }
  }
  return resolveTargetSettings(config.defaults, {
    environment: target.environment,
    stack: target.stack,
    service: target.service,
  });
}
