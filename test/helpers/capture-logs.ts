import { Writable } from "node:stream";
import { createLogger, SecretScrubber, type Logger } from "../../src/log/index.js";

export interface CapturedLogs {
  readonly logger: Logger;
  readonly scrubber: SecretScrubber;
  /** Every line written so far, raw. */
  text(): string;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** A writable to hand to code that logs through a stream (e.g. a CLI's stdout). */
  readonly stream: Writable;
}

/** A real pino root logger (same options as production) writing into memory. */
export function captureLogs(level: "debug" | "info" | "trace" = "debug"): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const scrubber = new SecretScrubber();
  const logger = createLogger({ level, scrubber, destination: stream });
  const text = (): string => chunks.join("");
  return {
    logger,
    scrubber,
    stream,
    text,
    lines: () =>
      text()
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
