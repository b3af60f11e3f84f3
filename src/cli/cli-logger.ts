import type { Writable } from "node:stream";
import type { ProcessSettings } from "../config/index.js";
import { createLogger, type Logger, type SecretScrubber } from "../log/index.js";
import type { CliIo } from "./cli-command.js";

/**
 * How a command logs: `LOG_FORMAT` when set, else pretty on a terminal (`io.isTTY`) and JSON lines
 * otherwise; colours only on a terminal and without `NO_COLOR`.
 */
export function logFormat(
  io: CliIo,
  settings: ProcessSettings,
): { format: "json" | "pretty"; colors: boolean } {
  const format = settings.LOG_FORMAT ?? (io.isTTY === true ? "pretty" : "json");
  const noColor = settings.NO_COLOR !== undefined && settings.NO_COLOR !== "";
  return { format, colors: format === "pretty" && io.isTTY === true && !noColor };
}

/** The root logger of a command, writing to `destination` in the format {@link logFormat} picks. */
export function createCliLogger(
  io: CliIo,
  settings: ProcessSettings,
  options: {
    level: ProcessSettings["LOG_LEVEL"];
    scrubber: SecretScrubber;
    destination: Pick<Writable, "write">;
  },
): Logger {
  return createLogger({ ...options, ...logFormat(io, settings) });
}
