import semver from "semver";
import { z } from "zod";
import { TARGET_NAME_PATTERN } from "../domain/index.js";
import { notificationsSchema } from "./notifier-settings.js";
import { byteSize, durationMs, httpUrl } from "./schema-primitives.js";
import { sourcesSchema } from "./source-settings.js";

/** A name of a target, as the admin API and `drover deploy --target` accept it. */
const name = (what: string) =>
  z
    .string()
    .regex(
      TARGET_NAME_PATTERN,
      `${what} must start with a letter or digit and use only letters, digits, _ . - (at most 128)`,
    );

const batchSize = z.number().int().min(1).max(100);
const intervalMillis = z.number().int().min(0).max(3_600_000);

const strategySchema = z.strictObject({
  batchSize: batchSize.default(1),
  intervalMillis: intervalMillis.default(2_000),
  startFirst: z.boolean().default(false),
});

/** Per-target overrides: every key optional and without a default, so unset keys inherit `defaults`. */
const strategyOverrideSchema = z.strictObject({
  batchSize: batchSize.optional(),
  intervalMillis: intervalMillis.optional(),
  startFirst: z.boolean().optional(),
});

const httpProbeSchema = z.strictObject({
  url: httpUrl,
  expectStatus: z.number().int().min(100).max(599).default(200),
  bodyContains: z.string().min(1).optional(),
  timeout: durationMs.default(5_000),
});

const verifySchema = z.strictObject({
  soak: durationMs.default(15_000),
  timeout: durationMs.default(300_000),
  http: httpProbeSchema.optional(),
});

const verifyOverrideSchema = z.strictObject({
  soak: durationMs.optional(),
  timeout: durationMs.optional(),
  http: httpProbeSchema.optional(),
});

const onFailureSchema = z.enum(["rollback", "leave"]);

const defaultsSchema = z.strictObject({
  strategy: strategySchema.default(strategySchema.parse({})),
  upgradeTimeout: durationMs.default(600_000),
  verify: verifySchema.default(verifySchema.parse({})),
  onFailure: onFailureSchema.default("rollback"),
  /** What preparing does with a service found `upgraded` whose new containers are healthy. */
  onUpgradedLeftover: z.enum(["finish", "rollback"]).default("finish"),
});

const remoteEnvironmentSchema = z.strictObject({
  url: httpUrl,
  project: z.string().min(1, "project must name a Rancher environment (name or id such as 1a5)"),
  accessKey: z.string().min(1, "accessKey must not be empty"),
  secretKey: z.string().min(1, "secretKey must not be empty"),
  requestTimeout: durationMs.default(10_000),
});

const simulatorEnvironmentSchema = z.strictObject({
  /** A seed file path, or `default` for the built-in seed. */
  simulator: z.string().min(1),
  timeScale: z.number().positive().max(100).default(1),
});

const environmentSchema = z.union([remoteEnvironmentSchema, simulatorEnvironmentSchema], {
  error: "an environment needs either url/project/accessKey/secretKey, or simulator: <seed file|default>",
});

const regexText = z.string().min(1).refine(isValidRegExp, "not a valid regular expression");
const semverRange = z
  .string()
  .min(1)
  .refine(
    (range) => semver.validRange(range) !== null,
    'not a semver range; use e.g. ">=1.2.0 <2" or "^1.4"',
  );

function isValidRegExp(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

const tagPolicySchema = z.union(
  [
    z.strictObject({ exact: z.string().min(1) }),
    z.strictObject({ glob: z.string().min(1) }),
    z.strictObject({ regex: regexText }),
    z.strictObject({ semver: semverRange }),
  ],
  { error: "tags must have exactly one of exact, glob, regex or semver" },
);

const targetSchema = z.strictObject({
  environment: name("environment"),
  stack: z.string().min(1),
  service: z.string().min(1),
  sidekick: z.string().min(1).optional(),
  strategy: strategyOverrideSchema.optional(),
  upgradeTimeout: durationMs.optional(),
  verify: verifyOverrideSchema.optional(),
  onFailure: onFailureSchema.optional(),
});

const ruleSchema = z.strictObject({
  image: z.string().min(1).max(255),
  tags: tagPolicySchema,
  targets: z.array(targetSchema).min(1, "a rule needs at least one target"),
});

/** A duration that must be at least 1 ms (a timeout of 0 would mean "none"). */
const positiveDurationMs = durationMs.refine((ms) => ms > 0, "must be a positive duration, e.g. 10s");

const serverSchema = z
  .strictObject({
    host: z.string().min(1).default("0.0.0.0"),
    port: z.number().int().min(0).max(65_535).default(8090),
    bodyLimit: byteSize.default(1_048_576),
    trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string().min(1)]).default(false),
    shutdownGrace: durationMs.default(10_000),
    /** How long a client may take to send a request's headers (Node's `headersTimeout`). */
    headersTimeout: positiveDurationMs.default(10_000),
    /** How long a client may take to send a whole request, body included (`requestTimeout`). */
    requestTimeout: positiveDurationMs.default(30_000),
    /** Per-client-IP limit on `/hooks/*`: at most `max` failed authentications (401) per `window`. */
    rateLimit: z
      .strictObject({
        window: durationMs.default(60_000),
        max: z.number().int().min(1).max(1_000_000).default(600),
      })
      .default({ window: 60_000, max: 600 }),
  })
  .superRefine((server, ctx) => {
    // A timeout that is not positive is reported on its own; comparing it would only add noise.
    if (server.requestTimeout > 0 && server.headersTimeout > server.requestTimeout) {
      ctx.addIssue({
        code: "custom",
        path: ["headersTimeout"],
        message:
          "headersTimeout must not be longer than requestTimeout (the headers are part of the request)",
      });
    }
  });

const storageSchema = z.strictObject({
  path: z.string().min(1).default("./data/drover.db"),
});

/** Built from the notifier settings registry; re-exported for its tests. */
export { notificationsSchema };

/** `admin:` — the admin API (`/api/*`). `readOpen` lets GET requests through without the admin token. */
const adminSchema = z.strictObject({
  readOpen: z.boolean().default(false),
});

/** The whole mapping file (README "Mapping file"). Cross-field rules are in `crossCheckMapping`. */
export const mappingSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  storage: storageSchema.default(storageSchema.parse({})),
  environments: z.record(name("environment name"), environmentSchema),
  sources: sourcesSchema.default({}),
  defaults: defaultsSchema.default(defaultsSchema.parse({})),
  rules: z.array(ruleSchema).default([]),
  notifications: notificationsSchema.default(notificationsSchema.parse({})),
  admin: adminSchema.default(adminSchema.parse({})),
});

/** A cross-field problem: a document path and a message. */
export interface CrossCheckIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Rules that span fields: targets naming undefined environments, a target listed twice in
 * one rule, CI auth configured both ways. Runs on the raw document (defensively), so these
 * are reported even when other parts of the file are invalid.
 */
export function crossCheckMapping(data: unknown): CrossCheckIssue[] {
  const issues: CrossCheckIssue[] = [];
  const root = asRecord(data);
  const environments = new Set(Object.keys(asRecord(root["environments"])));
  const rules = Array.isArray(root["rules"]) ? (root["rules"] as unknown[]) : [];
  rules.forEach((rule, ruleIndex) => {
    const targets = asRecord(rule)["targets"];
    if (!Array.isArray(targets)) return;
    const seen = new Set<string>();
    targets.forEach((raw, targetIndex) => {
      const target = asRecord(raw);
      const path = ["rules", ruleIndex, "targets", targetIndex];
      const environment = target["environment"];
      if (typeof environment === "string" && !environments.has(environment)) {
        const known = [...environments].join(", ") || "none";
        issues.push({
          path: [...path, "environment"],
          message: `environment "${environment}" is not defined under environments (defined: ${known})`,
        });
      }
      const key = ["environment", "stack", "service", "sidekick"]
        .map((field) => JSON.stringify(target[field] ?? ""))
        .join("/")
        .toLowerCase();
      if (seen.has(key)) issues.push({ path, message: "the same target appears twice in this rule" });
      seen.add(key);
    });
  });
  const ci = asRecord(asRecord(root["sources"])["ci"]);
  if (root["sources"] !== undefined && asRecord(root["sources"])["ci"] !== undefined) {
    if ((ci["jwtSecret"] === undefined) === (ci["jwtPublicKeyFile"] === undefined)) {
      issues.push({
        path: ["sources", "ci"],
        message: "set exactly one of jwtSecret (HS256) or jwtPublicKeyFile (RS256/ES256)",
      });
    }
  }
  return issues;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The validated config as read from the file (before freezing). */
export type MappingConfig = z.output<typeof mappingSchema>;
export type MappingRule = MappingConfig["rules"][number];
export type RuleTarget = MappingRule["targets"][number];
export type EnvironmentConfig = MappingConfig["environments"][string];
export type TagPolicy = MappingRule["tags"];
