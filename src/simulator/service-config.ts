import { asText } from "./input-fields.js";
import type { LaunchConfigMap, SimService } from "./sim-model.js";
import { PRIMARY_LAUNCH_CONFIG } from "./sim-model.js";
import type { SimState } from "./sim-state.js";

/** Launch config names of a service: the primary (if any) then each sidekick. */
export function launchConfigNames(service: SimService): string[] {
  const names = service.launchConfig === null ? [] : [PRIMARY_LAUNCH_CONFIG];
  for (const sidekick of service.secondaryLaunchConfigs) names.push(String(sidekick["name"]));
  return names;
}

/** The current launch config for a name (primary or sidekick), if the service still has it. */
export function launchConfigFor(service: SimService, name: string): LaunchConfigMap | undefined {
  if (name === PRIMARY_LAUNCH_CONFIG) return service.launchConfig ?? undefined;
  return service.secondaryLaunchConfigs.find((sidekick) => sidekick["name"] === name);
}

/** The version containers of a launch config must have to count as current. */
export function currentVersion(service: SimService, name: string): string | undefined {
  const config = launchConfigFor(service, name);
  return config === undefined ? undefined : asText(config["version"] ?? "0");
}

/** Service kinds that run containers. */
export const runsContainers = (service: SimService): boolean =>
  service.kind === "service" || service.kind === "loadBalancerService";

/** `stack/service` names, as behaviour rules refer to services. */
export function serviceRef(state: Pick<SimState, "stacks">, service: SimService): string {
  const stack = state.stacks.get(service.stackId);
  return `${stack?.name ?? "?"}/${service.name}`;
}
