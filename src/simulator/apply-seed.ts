import { randomUUID } from "node:crypto";
import { normaliseLaunchConfig } from "./input-fields.js";
import { addService, addStack, seedRunningContainers } from "./resource-factory.js";
import type { Seed, SeedHealthCheck, SeedSidekick } from "./seed-schema.js";
import type { SimEngine } from "./sim-engine.js";
import { parseId } from "./sim-ids.js";
import type { LaunchConfigMap, SimApiKey, SimProject } from "./sim-model.js";

/** Rancher's health check defaults (docs/rancher-api.md §5.4). */
function fullHealthCheck(check: SeedHealthCheck): Record<string, unknown> {
  return {
    port: check.port,
    requestLine: check.requestLine ?? null,
    interval: check.interval ?? 2000,
    responseTimeout: check.responseTimeout ?? 2000,
    healthyThreshold: check.healthyThreshold ?? 2,
    unhealthyThreshold: check.unhealthyThreshold ?? 3,
    initializingTimeout: check.initializingTimeout ?? 60_000,
    reinitializingTimeout: check.reinitializingTimeout ?? 60_000,
    strategy: check.strategy ?? "recreate",
  };
}

const withKind = (image: string): string => (/^(docker|sim):/.test(image) ? image : `docker:${image}`);

function launchConfigOf(entry: Omit<SeedSidekick, "name">, sidekickName?: string): LaunchConfigMap {
  const raw: Record<string, unknown> = { ...(entry.launchConfig ?? {}) };
  const image = entry.image ?? raw["imageUuid"];
  if (typeof image === "string") raw["imageUuid"] = withKind(image);
  if (entry.healthCheck !== undefined) raw["healthCheck"] = fullHealthCheck(entry.healthCheck);
  const config = normaliseLaunchConfig(raw, false);
  return sidekickName === undefined
    ? { ...config, version: "0" }
    : { ...config, name: sidekickName, version: "0" };
}

/** Fills an engine's state from a validated seed: projects, hosts, stacks, services, containers, keys. */
export function applySeed(engine: SimEngine, seed: Seed): void {
  const { state, clock } = engine;
  const byRef = new Map<string, SimProject>();
  for (const entry of seed.projects) {
    const wanted = entry.id === undefined ? undefined : parseId(entry.id);
    if (wanted !== undefined) state.reserveId("project", wanted);
    const project: SimProject = {
      id: wanted ?? state.nextId("project"),
      name: entry.name,
      description: entry.description ?? null,
      uuid: randomUUID(),
      created: clock.now(),
      healthState: "healthy",
    };
    state.projects.set(project.id, project);
    byRef.set(project.name.toLowerCase(), project);
    byRef.set(`1a${String(project.id)}`, project);
    const hostNames =
      typeof entry.hosts === "number"
        ? Array.from({ length: entry.hosts }, (_, i) => `sim-host-${String(i + 1)}`)
        : entry.hosts;
    for (const name of hostNames) {
      const id = state.nextId("host");
      state.hosts.set(id, { id, projectId: project.id, name, uuid: randomUUID(), created: clock.now() });
    }
    for (const stackEntry of entry.stacks) {
      const stackId = stackEntry.id === undefined ? undefined : parseId(stackEntry.id);
      const stack = addStack(engine, project.id, stackEntry.name, stackEntry.description ?? null, stackId);
      for (const item of stackEntry.services) {
        const runs = item.kind === "service" || item.kind === "loadBalancerService";
        const service = addService(
          engine,
          {
            projectId: project.id,
            stackId: stack.id,
            name: item.name,
            kind: item.kind,
            scale: runs ? item.scale : 0,
            launchConfig: runs ? launchConfigOf(item) : null,
            secondaryLaunchConfigs: runs ? item.sidekicks.map((s) => launchConfigOf(s, s.name)) : [],
            retainIp: item.retainIp ?? null,
            startOnCreate: item.startOnCreate,
            description: item.description ?? null,
            metadata: item.metadata ?? null,
            ...(item.id === undefined ? {} : { id: parseId(item.id) ?? 0 }),
          },
          item.state,
        );
        if (item.state === "active") seedRunningContainers(engine, service);
      }
      engine.health.refreshStack(stack.id);
    }
  }
  const resolve = (ref: string): number => byRef.get(ref.toLowerCase())?.id ?? -1;
  for (const key of seed.keys) {
    const apiKey: SimApiKey =
      key.project !== undefined
        ? { accessKey: key.accessKey, secretKey: key.secretKey, projectId: resolve(key.project) }
        : {
            accessKey: key.accessKey,
            secretKey: key.secretKey,
            projectIds:
              key.projects === "all" || key.projects === undefined ? "all" : key.projects.map(resolve),
          };
    state.keys.push(apiKey);
  }
}
