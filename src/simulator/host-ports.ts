import type { InstanceState, SimContainer } from "./sim-model.js";
import type { SimState } from "./sim-state.js";

/** States in which a container holds its host ports. */
const HOLDS_PORTS: ReadonlySet<InstanceState> = new Set<InstanceState>([
  "requested",
  "creating",
  "starting",
  "running",
  "stopping",
  "restarting",
]);

/**
 * Public host ports of a launch config's `ports` (`"8080:80/tcp"`, `"0.0.0.0:8080:80"`);
 * entries without a public port (`"80/tcp"`) bind none.
 */
export function publicPorts(ports: unknown): string[] {
  if (!Array.isArray(ports)) return [];
  const result: string[] = [];
  for (const entry of ports) {
    if (typeof entry !== "string") continue;
    const [mapping = "", protocol = "tcp"] = entry.split("/");
    const parts = mapping.split(":");
    if (parts.length < 2) continue;
    const hostPort = parts[parts.length - 2];
    if (hostPort !== undefined && hostPort !== "") result.push(`${hostPort}/${protocol}`);
  }
  return result;
}

/**
 * Checks whether `container` can be placed on its unit's host: another container there that
 * holds one of its public ports makes scheduling fail (the startFirst + fixed port case of
 * docs/rancher-api.md §4.3). Returns Cattle's reason, or undefined when the ports are free.
 */
export function checkPorts(state: SimState, container: SimContainer): string | undefined {
  const wanted = publicPorts(container.launchConfig["ports"]);
  if (wanted.length === 0) return undefined;
  const taken = new Set<string>();
  for (const other of state.containers.values()) {
    if (other.id === container.id || other.hostId !== container.hostId || !HOLDS_PORTS.has(other.state))
      continue;
    for (const port of publicPorts(other.launchConfig["ports"])) taken.add(port);
  }
  const clashes = wanted.filter((port) => taken.has(port));
  if (clashes.length === 0) return undefined;
  return `Scheduling failed: host needs ports ${clashes.join(", ")} available`;
}
