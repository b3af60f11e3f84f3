import { describe, expect, it } from "vitest";
import type { DeploymentEvent } from "../../src/domain/index.js";
import { phaseDurations } from "../../src/metrics/index.js";

const event = (
  seq: number,
  second: number,
  state: DeploymentEvent["state"],
  kind: DeploymentEvent["kind"] = "transition",
): DeploymentEvent => ({
  seq,
  deploymentId: "d",
  at: new Date(Date.UTC(2026, 0, 2, 3, 0, second)).toISOString(),
  state,
  kind,
  detail: "",
});

describe("phaseDurations", () => {
  it("sums repeated visits, ignores non-transition events and sorts by seq", () => {
    const events = [
      event(6, 40, "succeeded"),
      event(1, 0, "queued"),
      event(2, 5, "preparing"),
      event(3, 6, "upgrading"),
      event(4, 20, "upgrading", "action"),
      event(5, 30, "preparing"),
      event(7, 59, "upgrading", "note"),
    ];

    const durations = Object.fromEntries(phaseDurations(events));

    expect(durations).toEqual({ queued: 5, preparing: 1 + 10, upgrading: 24, total: 35 });
  });

  it("has no total for a deployment that never started", () => {
    const durations = phaseDurations([event(1, 0, "queued"), event(2, 9, "superseded")]);

    expect(Object.fromEntries(durations)).toEqual({ queued: 9 });
  });
});
