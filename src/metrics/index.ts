/**
 * Prometheus metrics for `GET /metrics` (prom-client, private registry).
 * @module
 */
export {
  createMetrics,
  DURATION_BUCKETS_SECONDS,
  type CreateMetricsOptions,
  type Metrics,
} from "./create-metrics.js";
export {
  OTHER,
  RANCHER_CALL_KINDS,
  WEBHOOK_OUTCOMES,
  labelValue,
  rancherOutcome,
  webhookOutcome,
} from "./label-value.js";
export { DURATION_PHASES, phaseDurations, type DurationPhase } from "./phase-durations.js";
