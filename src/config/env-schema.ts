import { z } from "zod";
import { ConfigError } from "../errors/index.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * Process settings read from the environment (secrets for the mapping file come through
 * `${VAR}` references instead). Every key here is documented in README.md's table; a test
 * keeps the two in step.
 */
export const envSchema = z.object({
  DROVER_CONFIG: z.string().min(1).default("config/drover.yml"),
  DROVER_HOST: z.string().min(1).optional(),
  DROVER_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
});

export type ProcessSettings = z.output<typeof envSchema>;

/**
 * Reads the process settings from an environment map.
 *
 * @throws {ConfigError} listing every bad variable.
 */
export function readProcessSettings(env: Readonly<Record<string, string | undefined>>): ProcessSettings {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      file: "environment",
      path: issue.path.map(String).join("."),
      message: issue.message,
      hint: `To resolve, fix or unset ${issue.path.map(String).join(".")} (see the environment table in README.md)`,
    })),
  );
}
