export { createLogger, REDACT_PATHS, type CreateLoggerOptions, type Logger } from "./create-logger.js";
export { SecretScrubber, REDACTED } from "./secret-scrubber.js";
export { safeUrl, type SafeUrlOptions } from "./safe-url.js";
export { createPrettyStream, formatPrettyLine, type PrettyOptions } from "./pretty-stream.js";
