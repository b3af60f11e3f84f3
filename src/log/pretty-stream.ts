import type { DestinationStream } from "pino";

export interface PrettyOptions {
  /** ANSI colours for the level and the dimmed parts (off with NO_COLOR or when not a terminal). */
  readonly colors: boolean;
}

const RESET = "\u001b[0m";
const DIM = "\u001b[2m";
const BOLD = "\u001b[1m";
const LEVEL_COLORS: Readonly<Record<string, string>> = {
  fatal: "\u001b[35m",
  error: "\u001b[31m",
  warn: "\u001b[33m",
  info: "\u001b[32m",
  debug: "\u001b[36m",
  trace: "\u001b[90m",
};
/** Fields every line has, shown in their own places (or not at all) rather than as `key=value`. */
const OWN_PLACE = new Set(["level", "time", "msg", "pid", "hostname", "err"]);

function paint(colors: boolean, code: string, text: string): string {
  return colors ? `${code}${text}${RESET}` : text;
}

/** `key=value`, the value quoted when it has blanks or quotes, objects as compact JSON. */
function field(key: string, value: unknown): string {
  if (typeof value === "string")
    return `${key}=${/^[^\s"=]*$/.test(value) && value !== "" ? value : JSON.stringify(value)}`;
  return `${key}=${JSON.stringify(value)}`;
}

/**
 * One pino JSON line as a human line: `18:21:45.123 INFO  listening host=0.0.0.0 port=8090`,
 * the error's stack (if any) indented below. A line that is not JSON passes through unchanged.
 */
export function formatPrettyLine(line: string, options: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return line;
    entry = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const { colors } = options;
  const level = typeof entry["level"] === "string" ? entry["level"] : "info";
  const time =
    typeof entry["time"] === "string" ? (/T([\d:.]+)/.exec(entry["time"])?.[1] ?? entry["time"]) : "";
  const rest = Object.entries(entry)
    .filter(([key, value]) => !OWN_PLACE.has(key) && !(key === "name" && value === "drover"))
    .map(([key, value]) => field(key, value));
  const parts = [
    paint(colors, DIM, time),
    paint(colors, LEVEL_COLORS[level] ?? "", level.toUpperCase().padEnd(5)),
    paint(colors, BOLD, typeof entry["msg"] === "string" ? entry["msg"] : ""),
    ...rest.map((text) => paint(colors, DIM, text)),
  ].filter((part) => part !== "");
  const err = entry["err"] as { type?: unknown; message?: unknown; stack?: unknown } | undefined;
  let out = parts.join(" ");
  if (err !== undefined && err !== null && typeof err === "object") {
    const type = typeof err.type === "string" ? err.type : "Error";
    const stack =
      typeof err.stack === "string"
        ? err.stack
        : `${type}: ${typeof err.message === "string" ? err.message : ""}`;
    out += `\n${stack
      .split("\n")
      .map((text) => `    ${text}`)
      .join("\n")}`;
  }
  return `${out}\n`;
}

/**
 * A pino destination that writes each (already scrubbed) JSON line to `destination` as a human
 * line (see {@link formatPrettyLine}). No dependency: pino calls `write` once per line.
 */
export function createPrettyStream(
  destination: DestinationStream,
  options: PrettyOptions,
): DestinationStream {
  return {
    write(line: string) {
      destination.write(formatPrettyLine(line, options));
    },
  };
}
