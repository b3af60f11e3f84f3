import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { DeploymentEvent, DeploymentState } from "../../src/domain/index.js";
import { createMetrics, webhookOutcome } from "../../src/metrics/index.js";
import { parsePrometheusText, samplesOf, valueOf } from "./parse-prometheus-text.js";
import { NOTIFIER_KINDS } from "../../src/notify/index.js";
import { SOURCES } from "../../src/sources/index.js";

function metrics(stats = { queued: 0, inFlight: 0 }, rejectedReloads = 0) {
  return createMetrics({
    engineStats: () => stats,
    configStatus: () => ({ rejectedReloads, loadedAt: "2026-01-02T03:04:05.000Z" }),
    sources: SOURCES.map((source) => source.name),
    notifiers: NOTIFIER_KINDS,
  });
}

async function scrape(target: ReturnType<typeof metrics>) {
  const { body } = await target.render();
  return parsePrometheusText(body);
}

/** Transition events 10 s apart through `states`, from 2026-01-02T03:00:00Z. */
function eventLog(
  states: readonly DeploymentState[],
  gapsSeconds: readonly number[] = [],
): DeploymentEvent[] {
  let at = Date.parse("2026-01-02T03:00:00.000Z");
  return states.map((state, index) => {
    if (index > 0) at += (gapsSeconds[index - 1] ?? 10) * 1000;
    return {
      seq: index + 1,
      deploymentId: "dep_1",
      at: new Date(at).toISOString(),
      state,
      kind: "transition",
      detail: state,
    };
  });
}

describe("createMetrics", () => {
  it("renders valid Prometheus text with the text/plain 0.0.4 content type", async () => {
    const target = metrics();
    target.webhookReceived("dockerhub", "accepted");
    target.deploymentFinished(
      { state: "succeeded" },
      eventLog(["queued", "preparing", "upgrading", "succeeded"]),
    );

    const { contentType, body } = await target.render();

    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(() => parsePrometheusText(body)).not.toThrow();
    expect(body).toMatch(/^# TYPE drover_deployment_duration_seconds histogram$/m);
  });

  it("includes the default process metrics", async () => {
    const parsed = await scrape(metrics());

    for (const name of [
      "process_cpu_user_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
    ]) {
      expect(parsed.types.has(name), name).toBe(true);
    }
    expect(parsed.types.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
  });

  it("uses a private registry: nothing lands in prom-client's global one, and two instances coexist", async () => {
    const first = metrics();
    const second = metrics();
    first.webhookReceived("ci", "accepted");

    expect(globalRegistry.getSingleMetric("drover_webhooks_total")).toBeUndefined();
    expect(valueOf(await scrape(second), "drover_webhooks_total", { source: "ci" })).toBeUndefined();
    expect(valueOf(await scrape(first), "drover_webhooks_total", { source: "ci", outcome: "accepted" })).toBe(
      1,
    );
  });

  it("counts webhooks by source and outcome, folding unknown values into other", async () => {
    const target = metrics();

    target.webhookReceived("dockerhub", "accepted");
    target.webhookReceived("dockerhub", "accepted");
    target.webhookReceived("registry", webhookOutcome(401));
    target.webhookReceived("hooks-of-attacker-123", webhookOutcome(404));
    target.webhookReceived("ci", "weird outcome with an id 7f3a");
    const parsed = await scrape(target);

    expect(valueOf(parsed, "drover_webhooks_total", { source: "dockerhub", outcome: "accepted" })).toBe(2);
    expect(valueOf(parsed, "drover_webhooks_total", { source: "registry", outcome: "unauthorized" })).toBe(1);
    expect(valueOf(parsed, "drover_webhooks_total", { source: "other", outcome: "unknown_source" })).toBe(1);
    expect(valueOf(parsed, "drover_webhooks_total", { source: "ci", outcome: "other" })).toBe(1);
    expect(samplesOf(parsed, "drover_webhooks_total")).toHaveLength(4);
  });

  it("counts terminal deployments by state (all states start at 0) and ignores non-terminal ones", async () => {
    const target = metrics();

    target.deploymentFinished({ state: "succeeded" }, []);
    target.deploymentFinished({ state: "rolled-back" }, []);
    target.deploymentFinished({ state: "rolled-back" }, []);
    target.deploymentFinished({ state: "upgrading" }, eventLog(["queued", "preparing", "upgrading"]));
    const parsed = await scrape(target);

    expect(valueOf(parsed, "drover_deployments_total", { state: "succeeded" })).toBe(1);
    expect(valueOf(parsed, "drover_deployments_total", { state: "rolled-back" })).toBe(2);
    expect(valueOf(parsed, "drover_deployments_total", { state: "failed" })).toBe(0);
    expect(samplesOf(parsed, "drover_deployments_total")).toHaveLength(6);
    expect(samplesOf(parsed, "drover_deployment_duration_seconds_count")).toHaveLength(0);
  });

  it("observes phase durations from the event log", async () => {
    const target = metrics();
    const events = eventLog(
      ["queued", "preparing", "upgrading", "verifying", "rolling-back", "rolled-back"],
      [2, 1, 30, 45, 12],
    );

    target.deploymentFinished({ state: "rolled-back" }, events);
    const parsed = await scrape(target);

    const sum = (phase: string) => valueOf(parsed, "drover_deployment_duration_seconds_sum", { phase });
    expect([
      sum("queued"),
      sum("preparing"),
      sum("upgrading"),
      sum("verifying"),
      sum("rolling-back"),
      sum("total"),
    ]).toEqual([2, 1, 30, 45, 12, 88]);
    expect(
      valueOf(parsed, "drover_deployment_duration_seconds_count", { phase: "finishing" }),
    ).toBeUndefined();
    expect(
      valueOf(parsed, "drover_deployment_duration_seconds_bucket", { phase: "upgrading", le: "20" }),
    ).toBe(0);
    expect(
      valueOf(parsed, "drover_deployment_duration_seconds_bucket", { phase: "upgrading", le: "30" }),
    ).toBe(1);
  });

  it("reads queue depth, in-flight and rejected reloads from the callbacks at scrape time", async () => {
    const stats = { queued: 3, inFlight: 2 };
    const target = metrics(stats, 4);

    const before = await scrape(target);
    stats.queued = 0;
    const after = await scrape(target);

    expect(valueOf(before, "drover_queue_depth")).toBe(3);
    expect(valueOf(before, "drover_deployments_in_flight")).toBe(2);
    expect(valueOf(before, "drover_config_rejected_reloads")).toBe(4);
    expect(valueOf(before, "drover_config_loaded_timestamp_seconds")).toBe(
      Date.parse("2026-01-02T03:04:05Z") / 1000,
    );
    expect(valueOf(after, "drover_queue_depth")).toBe(0);
  });

  it("counts Rancher calls by action and outcome with bounded labels", async () => {
    const target = metrics();

    target.rancherCall("get", "ok");
    target.rancherCall("upgrade", "http_503");
    target.rancherCall("upgrade", "http_503");
    target.rancherCall("1s42", "network");
    target.rancherCall("finishupgrade", "http_<script>");
    const parsed = await scrape(target);

    expect(valueOf(parsed, "drover_rancher_api_calls_total", { action: "get", outcome: "ok" })).toBe(1);
    expect(
      valueOf(parsed, "drover_rancher_api_calls_total", { action: "upgrade", outcome: "http_503" }),
    ).toBe(2);
    expect(valueOf(parsed, "drover_rancher_api_calls_total", { action: "other", outcome: "network" })).toBe(
      1,
    );
    expect(
      valueOf(parsed, "drover_rancher_api_calls_total", { action: "finishupgrade", outcome: "other" }),
    ).toBe(1);
  });

  it("counts config reloads and notifications by outcome", async () => {
    const target = metrics();

    target.configReloaded("swapped");
    target.configReloaded("rejected");
    target.configReloaded("rejected");
    target.notificationResult("slack", "failed");
    target.notificationResult("webhook", "sent");
    target.notificationResult("pager", "sent");
    const parsed = await scrape(target);

    expect(valueOf(parsed, "drover_config_reloads_total", { outcome: "swapped" })).toBe(1);
    expect(valueOf(parsed, "drover_config_reloads_total", { outcome: "rejected" })).toBe(2);
    expect(valueOf(parsed, "drover_config_reloads_total", { outcome: "unchanged" })).toBe(0);
    expect(valueOf(parsed, "drover_notifications_total", { channel: "slack", outcome: "failed" })).toBe(1);
    expect(valueOf(parsed, "drover_notifications_total", { channel: "other", outcome: "sent" })).toBe(1);
  });
});

describe("webhookOutcome", () => {
  it("maps response statuses to bounded outcomes", () => {
    expect([202, 200, 400, 401, 403, 404, 413, 415, 422, 429, 503, 500, 302].map(webhookOutcome)).toEqual([
      "accepted",
      "ignored",
      "malformed",
      "unauthorized",
      "unauthorized",
      "unknown_source",
      "too_large",
      "unsupported_media_type",
      "invalid",
      "rate_limited",
      "unavailable",
      "error",
      "other",
    ]);
  });
});
