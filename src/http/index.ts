export { createHttpApp, type HttpAppDeps } from "./create-http-app.js";
export { createJsonBody, isJsonContentType } from "./json-body.js";
export {
  closeServerGracefully,
  createHttpServer,
  listen,
  type HttpServerTimeouts,
} from "./graceful-server.js";
export type { ReadinessCheck } from "./health-routes.js";
export { createWebhookRoutes, type WebhookRoutesDeps } from "./webhook-routes.js";
export type { WaitAnswer } from "./wait-answer.js";
export { createAdminRoutes, type AdminRoutesDeps } from "./admin-routes.js";
export { createMetricsRoutes, INGEST_OUTCOME_LOCAL, type MetricsRoutesDeps } from "./metrics-routes.js";
export {
  createEventRoutes,
  DEFAULT_EVENT_STREAM_LIMITS,
  EVENT_STREAM_RETRY_MS,
  type EventRoutes,
  type EventRoutesDeps,
  type EventStreamLimits,
} from "./event-routes.js";
export { createDashboardRoutes, DASHBOARD_CSP, type DashboardRoutesDeps } from "./dashboard-routes.js";
export { DashboardAssetsError } from "./dashboard-errors.js";
