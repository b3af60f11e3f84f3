import { describe, expect, it } from "vitest";
import type { DeploymentEvent } from "../../src/domain/index.js";
import { followDeployment } from "../../src/operations/index.js";
import { DeploymentNotFoundError } from "../../src/store/index.js";
import { memoryStore, newDeployment } from "../store/store-fixtures.js";

/** A store another "process" moves on: `steps[i]` runs during the i-th sleep; time is virtual. */
function setUp(steps: ((id: string) => void)[] = []) {
  const { store } = memoryStore();
  const deployment = store.create(newDeployment());
  let nowMs = 0;
  const slept: number[] = [];
  const deps = {
    store,
    now: () => nowMs,
    sleep: (ms: number) => {
      slept.push(ms);
      steps.shift()?.(deployment.id);
      nowMs += ms;
      return Promise.resolve();
    },
    pollIntervalMs: 100,
  };
  return { store, deployment, deps, slept };
}

describe("followDeployment", () => {
  it("reports each stored event once, in order, after afterSeq, and ends at the terminal state", async () => {
    const { store, deployment, deps } = setUp([
      (id) => store.transition({ id, from: "queued", to: "preparing", detail: "preparing" }),
      (id) => store.annotate(id, "note", "a note"),
      (id) => store.transition({ id, from: "preparing", to: "failed", detail: "it broke" }),
    ]);
    const events: DeploymentEvent[] = [];
    const afterSeq = store.events(deployment.id).at(-1)?.seq ?? 0;

    const final = await followDeployment(deps, deployment.id, {
      timeoutMs: 60_000,
      afterSeq,
      onEvent: (event) => events.push(event),
    });

    expect(final.state).toBe("failed");
    expect(events.map((event) => [event.state, event.detail])).toEqual([
      ["preparing", "preparing"],
      ["preparing", "a note"],
      ["failed", "it broke"],
    ]);
  });

  it("returns the deployment as it is once the timeout has passed on its clock, never sleeping past it", async () => {
    const { deployment, deps, slept } = setUp();

    const final = await followDeployment(deps, deployment.id, { timeoutMs: 250, onEvent: () => undefined });

    expect(final.state).toBe("queued");
    expect(slept).toEqual([100, 100, 50]);
  });

  it("throws DeploymentNotFoundError for an unknown id", async () => {
    const { deps } = setUp();

    await expect(
      followDeployment(deps, "d_nope", { timeoutMs: 1_000, onEvent: () => undefined }),
    ).rejects.toBeInstanceOf(DeploymentNotFoundError);
  });
});
