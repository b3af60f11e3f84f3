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
  /** `json` or `pretty`; unset: pretty when stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  /** Set (to anything but "") to turn colours off in pretty logs (https://no-color.org). */
  NO_COLOR: z.string().optional(),
  DROVER_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  DROVER_ADMIN_TOKEN_FILE: z.string().min(1).optional(),
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

/**
 * The admin API token: the content of `DROVER_ADMIN_TOKEN_FILE` (trimmed; it wins) or
 * `DROVER_ADMIN_TOKEN`. Undefined when neither is set (the admin API then refuses every call).
 *
 * @throws {ConfigError} when the file cannot be read or holds fewer than 16 characters.
 */
export function readAdminToken(
  settings: ProcessSettings,
  readFile: (path: string) => string,
): string | undefined {
  if (settings.DROVER_ADMIN_TOKEN_FILE === undefined) return settings.DROVER_ADMIN_TOKEN;
  let token: string;
  try {
    token = readFile(settings.DROVER_ADMIN_TOKEN_FILE).trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError([
      { file: "environment", path: "DROVER_ADMIN_TOKEN_FILE", message: `cannot read the file (${reason})` },
    ]);
  }
  if (token.length < 16) {
    throw new ConfigError([
      {
        file: "environment",
        path: "DROVER_ADMIN_TOKEN_FILE",
        message: "the token must be at least 16 characters",
      },
    ]);
  }
  return token;
}
