import type { Logger } from "pino";
import type { Config } from "./load-config.js";

/**
 * Settings read once at start (the listener, body limit, rate limiter, trust proxy, the database):
 * a reload that changes them is applied everywhere else and logged as needing a restart.
 */
export function restartOnlyChanges(previous: Config, next: Config): string[] {
  const changed: string[] = [];
  for (const key of Object.keys(next.server) as (keyof Config["server"])[]) {
    if (JSON.stringify(previous.server[key]) !== JSON.stringify(next.server[key]))
      changed.push(`server.${key}`);
  }
  if (previous.storage.path !== next.storage.path) changed.push("storage.path");
  return changed;
}

/** Logs a warning naming the {@link restartOnlyChanges} of a reload, if there are any. */
export function warnRestartOnlyChanges(logger: Pick<Logger, "warn">, previous: Config, next: Config): void {
  const needRestart = restartOnlyChanges(previous, next);
  if (needRestart.length > 0) {
    logger.warn(
      { keys: needRestart },
      "config reloaded, but these settings take effect only after a restart; the running values stay",
    );
  }
}
