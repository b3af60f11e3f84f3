import { afterEach, describe, expect, it } from "vitest";
import { isTerminal, type Deployment } from "../../src/domain/index.js";
import type { SeedInput } from "../../src/simulator/index.js";
import { createManualHarness, type ManualHarness } from "./manual-harness.js";

const APP = "registry.example.com/fleet/app";
const NAMES = Array.from({ length: 20 }, (_, i) => `svc-${String(i + 1).padStart(2, "0")}`);
const CAP = 5;

const FLEET: SeedInput = {
  projects: [
    {
      id: "1a5",
      name: "Default",
      hosts: 2,
      stacks: [{ name: "fleet", services: NAMES.map((name) => ({ name, scale: 1, image: `${APP}:1.0.0` })) }],
    },
  ],
  keys: [{ accessKey: "drover-sim", secretKey: "drover-sim-secret", project: "1a5" }],
};

let harness: ManualHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("DeploymentEngine: 20 targets under a concurrency cap", () => {
  it(`deploys 20 targets with at most ${String(CAP)} in flight, served in arrival order`, async () => {
    harness = await createManualHarness({ seed: FLEET, concurrency: CAP });
    const h = harness;
    const inFlight = new Set<string>();
    let maxOverlap = 0;
    let maxReported = 0;
    const started: string[] = [];
    h.engine.onTransition((deployment) => {
      if (deployment.state === "preparing") {
        inFlight.add(deployment.id);
        started.push(deployment.target.service);
      }
      if (isTerminal(deployment.state)) inFlight.delete(deployment.id);
      maxOverlap = Math.max(maxOverlap, inFlight.size);
      maxReported = Math.max(maxReported, h.engine.stats().inFlight);
    });

    const submitted = NAMES.map((service) =>
      h.submit(APP, "2.0.0", { stack: "fleet", service }, { verify: { soakMs: 2_000, timeoutMs: 30_000 } }),
    );
    const ids = submitted.map((d) => d.id);
    await h.time.runUntil(() => {
      maxReported = Math.max(maxReported, h.engine.stats().inFlight);
      return ids.every((id) => isTerminal(h.store.get(id)?.state ?? "queued"));
    });
    const done = ids.map((id) => h.store.get(id) as Deployment);

    expect(done.map((d) => d.state)).toEqual(NAMES.map(() => "succeeded"));
    for (const name of NAMES) {
      const service = h.service("fleet", name) as { state: string; launchConfig: { imageUuid: string } };
      expect(service.state).toBe("active");
      expect(service.launchConfig.imageUuid).toBe(`docker:${APP}:2.0.0`);
    }
    expect(maxOverlap).toBe(CAP);
    expect(maxReported).toBe(CAP);
    expect(started).toEqual(NAMES);
    // The store's own timestamps agree: never more than CAP preparing→terminal intervals overlap.
    const intervals = done.map((d) => {
      const events = h.store.events(d.id).filter((e) => e.kind === "transition");
      const from = events.find((e) => e.state === "preparing")?.at ?? "";
      return [Date.parse(from), Date.parse(events.at(-1)?.at ?? "")] as const;
    });
    const overlapAt = (t: number): number => intervals.filter(([from, to]) => from <= t && t < to).length;
    expect(Math.max(...intervals.map(([from]) => overlapAt(from)))).toBeLessThanOrEqual(CAP);
  });
});
