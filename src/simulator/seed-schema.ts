import { z } from "zod";
import { SERVICE_KINDS } from "./sim-model.js";

const name = z.string().min(1, "must not be empty");
const positive = z.number().positive("must be greater than 0");
const formattedId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}\\d+$`), `must look like ${prefix}<number>, e.g. ${prefix}5`);

/** Health check shorthand; missing fields get Rancher's defaults. */
const healthCheckSchema = z.strictObject({
  port: z.number().int().min(1).max(65_535),
  requestLine: z.string().nullable().optional(),
  interval: positive.optional(),
  responseTimeout: positive.optional(),
  healthyThreshold: z.number().int().min(1).optional(),
  unhealthyThreshold: z.number().int().min(1).optional(),
  initializingTimeout: positive.optional(),
  reinitializingTimeout: positive.optional(),
  strategy: z.enum(["none", "recreate", "recreateOnQuorum"]).optional(),
});

/** `image` (docker: added when missing) or `launchConfig.imageUuid` must name the image. */
const launchConfigFields = {
  image: z.string().min(1).optional(),
  launchConfig: z.record(z.string(), z.unknown()).optional(),
  healthCheck: healthCheckSchema.optional(),
};

const sidekickSchema = z.strictObject({ name, ...launchConfigFields });

const serviceSchema = z.strictObject({
  id: formattedId("1s").optional(),
  name,
  kind: z.enum(SERVICE_KINDS).default("service"),
  state: z.enum(["active", "inactive"]).default("active"),
  scale: z.number().int().min(0, "must be 0 or more").default(1),
  description: z.string().optional(),
  retainIp: z.boolean().optional(),
  startOnCreate: z.boolean().default(true),
  metadata: z.record(z.string(), z.unknown()).optional(),
  sidekicks: z.array(sidekickSchema).default([]),
  ...launchConfigFields,
});

const stackSchema = z.strictObject({
  id: formattedId("1st").optional(),
  name,
  description: z.string().optional(),
  services: z.array(serviceSchema).default([]),
});

const projectSchema = z.strictObject({
  id: formattedId("1a").optional(),
  name,
  description: z.string().optional(),
  /** Number of hosts, or their names. */
  hosts: z.union([z.number().int().min(1, "must be at least 1"), z.array(name).min(1)]).default(1),
  stacks: z.array(stackSchema).default([]),
});

const keySchema = z
  .strictObject({
    accessKey: name,
    secretKey: name,
    /** Environment key: the project (id or name) it belongs to. */
    project: z.string().min(1).optional(),
    /** Account key: the projects (ids or names) it may use, or "all". */
    projects: z.union([z.literal("all"), z.array(z.string().min(1)).min(1)]).optional(),
  })
  .refine((key) => (key.project === undefined) !== (key.projects === undefined), {
    message: "give exactly one of project (environment key) or projects (account key)",
  });

const behaviourSchema = z
  .strictObject({
    tag: z.string().min(1).optional(),
    tagPrefix: z.string().min(1).optional(),
    service: z.string().min(1).optional(),
    pullFails: z.boolean().optional(),
    neverHealthy: z.boolean().optional(),
    unhealthyAfterMs: positive.optional(),
    slowFactor: positive.optional(),
    exitsAfterMs: positive.optional(),
  })
  .refine((rule) => rule.tag !== undefined || rule.tagPrefix !== undefined || rule.service !== undefined, {
    message: "a behaviour needs tag, tagPrefix or service",
  });

const timingSchema = z.strictObject({
  pullMs: z.number().min(0).optional(),
  startMs: z.number().min(0).optional(),
  stopMs: z.number().min(0).optional(),
  removeMs: z.number().min(0).optional(),
  registerMs: z.number().min(0).optional(),
  healthWaitTimeoutMs: positive.optional(),
  processRetryMs: positive.optional(),
  pingIntervalMs: positive.optional(),
  purgeAfterMs: positive.optional(),
});

/** The simulator seed: projects with hosts, stacks and services; API keys; behaviours; timing. */
export const seedSchema = z.strictObject({
  projects: z.array(projectSchema).min(1, "at least one project is needed"),
  keys: z.array(keySchema).default([]),
  behaviours: z.array(behaviourSchema).default([]),
  timing: timingSchema.default({}),
});

/** A seed as written (YAML or object), before defaults. */
export type SeedInput = z.input<typeof seedSchema>;
/** A validated seed with defaults filled in. */
export type Seed = z.output<typeof seedSchema>;
export type SeedService = Seed["projects"][number]["stacks"][number]["services"][number];
export type SeedSidekick = SeedService["sidekicks"][number];
export type SeedHealthCheck = z.output<typeof healthCheckSchema>;
