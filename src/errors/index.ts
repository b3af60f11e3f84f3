export { AppError, INTERNAL_ERROR_CODE } from "./app-error.js";
export { UsageError } from "./usage-error.js";
export { ConfigError, formatConfigIssue, type ConfigIssue } from "./config-error.js";
export {
  AdminTokenUnsetError,
  AuthError,
  BadRequestError,
  EventFilterInvalidError,
  EventStreamUnavailableError,
  MalformedBodyError,
  MalformedPathError,
  OutOfScopeError,
  PayloadInvalidError,
  PayloadTooLargeError,
  RateLimitedError,
  RouteNotFoundError,
  UnknownSourceError,
  UnsupportedMediaTypeError,
  WAIT_ERRORS,
  WaitInvalidError,
  WaitUnsupportedError,
} from "./http-errors.js";
