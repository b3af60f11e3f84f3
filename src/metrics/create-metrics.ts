import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { TERMINAL_STATES, isTerminal, type Deployment, type DeploymentEvent } from "../domain/index.js";
import { RANCHER_CALL_KINDS, WEBHOOK_OUTCOMES, labelValue, rancherOutcome } from "./label-value.js";
import { phaseDurations } from "./phase-durations.js";

/** Deployment phases last seconds to an hour. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600,
];

const RELOAD_OUTCOMES = ["swapped", "unchanged", "rejected"] as const;
const NOTIFICATION_OUTCOMES = ["sent", "failed", "refused", "dropped"] as const;

export interface CreateMetricsOptions {
  /** Read at every scrape for `drover_queue_depth` and `drover_deployments_in_flight`. */
  readonly engineStats: () => { readonly queued: number; readonly inFlight: number };
  /** Read at every scrape (the `ConfigHolder.status()` shape). */
  readonly configStatus: () => { readonly rejectedReloads: number; readonly loadedAt: string };
  /**
   * Allowed `source` label values of `drover_webhooks_total`: the registered webhook sources'
   * names (the composition root passes the sources registry's; metrics imports neither registry).
   */
  readonly sources: readonly string[];
  /** Allowed `channel` label values of `drover_notifications_total`: the registered notifier kinds. */
  readonly notifiers: readonly string[];
  /** Read at every scrape for `drover_event_streams` (open `GET /api/events` streams); default none. */
  readonly eventStreams?: () => number;
  /** Node/process metrics (`process_*`, `nodejs_*`). Default true. */
  readonly defaultMetrics?: boolean;
}

/** What the app reports into; `render()` is the `GET /metrics` body. */
export interface Metrics {
  /** A private registry (never prom-client's global one). */
  readonly registry: Registry;
  /** `drover_webhooks_total{source,outcome}`; unknown values become `other` (see `webhookOutcome`). */
  webhookReceived(source: string, outcome: string): void;
  /**
   * `drover_deployments_total{state}` and `drover_deployment_duration_seconds{phase}` from the
   * deployment's event log (`store.events(id)`). Ignored unless the state is terminal.
   */
  deploymentFinished(deployment: Pick<Deployment, "state">, events: readonly DeploymentEvent[]): void;
  /** `drover_rancher_api_calls_total{action,outcome}` (the Rancher HTTP client's `onCall`). */
  rancherCall(kind: string, outcome: string): void;
  /** `drover_config_reloads_total{outcome}`: a `ReloadResult.outcome` (swapped, unchanged, rejected). */
  configReloaded(outcome: string): void;
  /** `drover_notifications_total{channel,outcome}` (the dispatcher's `onResult`). */
  notificationResult(channel: string, outcome: string): void;
  /** `drover_event_stream_drops_total`: an event stream client dropped because it fell behind. */
  eventStreamDropped(): void;
  /** The exposition for `GET /metrics`: Prometheus text format 0.0.4. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/**
 * Builds drover's Prometheus metrics on a private registry, with the default process metrics.
 * Labels are bounded: no ids, images or URLs; values outside each allow-list become `other`.
 */
export function createMetrics(options: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const { sources, notifiers: notifierKinds } = options;

  const webhooks = new Counter({
    name: "drover_webhooks_total",
    help: "Webhook deliveries received, by source and outcome.",
    labelNames: ["source", "outcome"] as const,
    registers,
  });
  const deployments = new Counter({
    name: "drover_deployments_total",
    help: "Deployments that reached a terminal state, by state.",
    labelNames: ["state"] as const,
    registers,
  });
  for (const state of TERMINAL_STATES) deployments.inc({ state }, 0);
  const durations = new Histogram({
    name: "drover_deployment_duration_seconds",
    help: "Time finished deployments spent per phase (queued, preparing, upgrading, verifying, finishing, rolling-back) and in total (preparing to terminal).",
    labelNames: ["phase"] as const,
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  new Gauge({
    name: "drover_queue_depth",
    help: "Deployments queued and not yet started.",
    registers,
    collect() {
      this.set(options.engineStats().queued);
    },
  });
  new Gauge({
    name: "drover_deployments_in_flight",
    help: "Deployments running now.",
    registers,
    collect() {
      this.set(options.engineStats().inFlight);
    },
  });
  const rancherCalls = new Counter({
    name: "drover_rancher_api_calls_total",
    help: "Rancher API HTTP exchanges, by action (get, resolve, instances or the service action) and outcome (ok, http_<status>, network).",
    labelNames: ["action", "outcome"] as const,
    registers,
  });
  const reloads = new Counter({
    name: "drover_config_reloads_total",
    help: "Config reload attempts, by outcome (swapped, unchanged, rejected).",
    labelNames: ["outcome"] as const,
    registers,
  });
  for (const outcome of RELOAD_OUTCOMES) reloads.inc({ outcome }, 0);
  new Gauge({
    name: "drover_config_rejected_reloads",
    help: "Reloads refused because the new config was invalid, since start (the old config stays in force).",
    registers,
    collect() {
      this.set(options.configStatus().rejectedReloads);
    },
  });
  new Gauge({
    name: "drover_config_loaded_timestamp_seconds",
    help: "When the config in force was loaded (Unix seconds).",
    registers,
    collect() {
      const loadedAt = Date.parse(options.configStatus().loadedAt);
      if (Number.isFinite(loadedAt)) this.set(loadedAt / 1000);
    },
  });
  const notifications = new Counter({
    name: "drover_notifications_total",
    help: "Notification deliveries, by channel and final outcome (sent, failed, refused, dropped).",
    labelNames: ["channel", "outcome"] as const,
    registers,
  });

  new Gauge({
    name: "drover_event_streams",
    help: "Event streams (GET /api/events) open now.",
    registers,
    collect() {
      this.set(options.eventStreams?.() ?? 0);
    },
  });
  const streamDrops = new Counter({
    name: "drover_event_stream_drops_total",
    help: "Event stream clients dropped because they fell behind (their unsent events passed the bound).",
    registers,
  });
  streamDrops.inc(0);

  return {
    registry,
    webhookReceived: (source, outcome) => {
      webhooks.inc({ source: labelValue(source, sources), outcome: labelValue(outcome, WEBHOOK_OUTCOMES) });
    },
    deploymentFinished: (deployment, events) => {
      if (!isTerminal(deployment.state)) return;
      deployments.inc({ state: deployment.state });
      for (const [phase, seconds] of phaseDurations(events)) durations.observe({ phase }, seconds);
    },
    rancherCall: (kind, outcome) => {
      rancherCalls.inc({ action: labelValue(kind, RANCHER_CALL_KINDS), outcome: rancherOutcome(outcome) });
    },
    configReloaded: (outcome) => {
      reloads.inc({ outcome: labelValue(outcome, RELOAD_OUTCOMES) });
    },
    notificationResult: (channel, outcome) => {
      notifications.inc({
        channel: labelValue(channel, notifierKinds),
        outcome: labelValue(outcome, NOTIFICATION_OUTCOMES),
      });
    },
    eventStreamDropped: () => {
      streamDrops.inc();
    },
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
