import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { createPrettyStream } from "./pretty-stream.js";
import { SecretScrubber } from "./secret-scrubber.js";

export type { Logger } from "pino";

/** Header and field paths that are always censored (second line of defence; fixed in code). */
export const REDACT_PATHS: readonly string[] = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-hub-signature-256']",
  "req.headers['x-registry-token']",
  "headers.authorization",
  "*.authorization",
  "*.secretKey",
  "*.accessKey",
  "*.password",
  "*.token",
  "*.bearer",
  "*.jwtSecret",
  "*.secret",
  "*.webhookSecret",
];

export interface CreateLoggerOptions {
  readonly level?: LevelWithSilent;
  /** Where JSON lines go; stdout when omitted. */
  readonly destination?: DestinationStream;
  /** Known secret values are scrubbed from every line. A new scrubber is made when omitted. */
  readonly scrubber?: SecretScrubber;
  /** Bindings on the root logger (e.g. `{ name: "drover" }`). */
  readonly base?: Record<string, unknown>;
  /** `json` lines (default) or `pretty` human lines; the scrubber applies to both. */
  readonly format?: "json" | "pretty";
  /** With `pretty`: ANSI colours (default false). */
  readonly colors?: boolean;
}

/**
 * The one root logger of a process: JSON lines (or, with `format: "pretty"`, the same lines
 * rendered for a human), ISO timestamps, redaction paths, error serializer, and the secret
 * scrubber applied to every serialized line before either format writes it.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const scrubber = options.scrubber ?? new SecretScrubber();
  const pinoOptions = {
    level: options.level ?? "info",
    base: options.base ?? { name: "drover" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: "[Redacted]" },
    serializers: { err: pino.stdSerializers.err },
    formatters: { level: (label: string) => ({ level: label }) },
    hooks: { streamWrite: (line: string) => scrubber.scrub(line) },
  };
  if (options.format === "pretty") {
    const destination = options.destination ?? pino.destination(1);
    return pino(pinoOptions, createPrettyStream(destination, { colors: options.colors ?? false }));
  }
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}
