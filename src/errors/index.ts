export { AppError } from "./app-error.js";
export { UsageError } from "./usage-error.js";
export { ConfigError, formatConfigIssue, type ConfigIssue } from "./config-error.js";
export {
  AuthError,
  MalformedBodyError,
  PayloadInvalidError,
  PayloadTooLargeError,
  RouteNotFoundError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from "./http-errors.js";
