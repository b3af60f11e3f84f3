export { AppError } from "./app-error.js";
export { UsageError } from "./usage-error.js";
export { ConfigError, formatConfigIssue, type ConfigIssue } from "./config-error.js";
export {
  AuthError,
  MalformedBodyError,
  MalformedPathError,
  OutOfScopeError,
  PayloadInvalidError,
  PayloadTooLargeError,
  RateLimitedError,
  RouteNotFoundError,
  UnavailableError,
  UnknownSourceError,
  UnsupportedMediaTypeError,
  WAIT_ERRORS,
} from "./http-errors.js";
