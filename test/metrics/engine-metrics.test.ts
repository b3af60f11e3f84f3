import { afterEach, describe, expect, it } from "vitest";
import { isTerminal } from "../../src/domain/index.js";
import { createMetrics } from "../../src/metrics/index.js";
import { createEngineHarness, type EngineHarness } from "../deploy/manual-harness.js";
import { parsePrometheusText, valueOf } from "./parse-prometheus-text.js";
import { NOTIFIER_KINDS } from "../../src/notify/index.js";
import { SOURCES } from "../../src/sources/index.js";

const FRONTEND = "registry.example.com/shop/frontend";
const WORKER = "registry.example.com/shop/worker";

let harness: EngineHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("metrics with the real engine", () => {
  it("/metrics moves as deployments happen and stays valid Prometheus text", async () => {
    harness = await createEngineHarness();
    const { engine, store } = harness;
    const metrics = createMetrics({
      engineStats: () => engine.stats(),
      configStatus: () => ({ rejectedReloads: 0, loadedAt: new Date().toISOString() }),
      sources: SOURCES.map((source) => source.name),
      notifiers: NOTIFIER_KINDS,
    });
    engine.onTransition((deployment) => {
      if (isTerminal(deployment.state)) metrics.deploymentFinished(deployment, store.events(deployment.id));
    });
    const scrape = async () => parsePrometheusText((await metrics.render()).body);

    const good = harness.submit(FRONTEND, "1.1.0");
    const queuedBehind = harness.submit(FRONTEND, "1.2.0");
    const worker = harness.submit(WORKER, "1.1.0", { service: "worker" });
    const during = await scrape();
    await harness.settle(good.id);
    await harness.settle(queuedBehind.id);
    await harness.settle(worker.id);
    const fastFailure = { upgradeTimeoutMs: 1_500, verify: { soakMs: 200, timeoutMs: 1_000 } };
    const bad = await harness.settle(harness.submit(FRONTEND, "bad-1.3.0", {}, fastFailure).id);
    // The engine frees the slot just after the terminal transition.
    await harness.time.runUntil(() => engine.stats().inFlight === 0);
    const after = await scrape();

    expect(valueOf(during, "drover_queue_depth")).toBe(1);
    expect(valueOf(during, "drover_deployments_in_flight")).toBe(2);
    expect(valueOf(during, "drover_deployments_total", { state: "succeeded" })).toBe(0);
    expect(bad.state).toBe("rolled-back");
    expect(valueOf(after, "drover_deployments_total", { state: "succeeded" })).toBe(3);
    expect(valueOf(after, "drover_deployments_total", { state: "rolled-back" })).toBe(1);
    expect(valueOf(after, "drover_queue_depth")).toBe(0);
    expect(valueOf(after, "drover_deployments_in_flight")).toBe(0);
    expect(valueOf(after, "drover_deployment_duration_seconds_count", { phase: "total" })).toBe(4);
    expect(valueOf(after, "drover_deployment_duration_seconds_count", { phase: "upgrading" })).toBe(4);
    expect(valueOf(after, "drover_deployment_duration_seconds_count", { phase: "rolling-back" })).toBe(1);
    expect(valueOf(after, "drover_deployment_duration_seconds_sum", { phase: "total" })).toBeGreaterThan(0);
  });
});
