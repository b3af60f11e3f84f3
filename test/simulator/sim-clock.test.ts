import { describe, expect, it, vi } from "vitest";
import {
  ManualClock,
  MANUAL_CLOCK_START_MS,
  ScaledClock,
  SimulatorError,
} from "../../src/simulator/index.js";

describe("ManualClock", () => {
  it("fires due timers in time order (ties in creation order) and lets async steps settle between them", async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push("c@300"));
    clock.setTimer(100, () => {
      fired.push(`a@${String(clock.now() - MANUAL_CLOCK_START_MS)}`);
      void Promise.resolve().then(() => clock.setTimer(50, () => fired.push("chained@150")));
    });
    clock.setTimer(100, () => fired.push("b@100"));
    const cancelled = clock.setTimer(200, () => fired.push("never"));
    clock.clearTimer(cancelled);

    await clock.advance(250);
    const afterFirst = [...fired];
    await clock.advance(50);

    expect(afterFirst).toEqual(["a@100", "b@100", "chained@150"]);
    expect(fired).toEqual(["a@100", "b@100", "chained@150", "c@300"]);
    expect(clock.now()).toBe(MANUAL_CLOCK_START_MS + 300);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("advanceUntil stops at the first timer after which the condition holds, and throws past maxMs", async () => {
    const clock = new ManualClock(0);
    let done = false;
    clock.setTimer(1_000, () => undefined);
    clock.setTimer(4_000, () => {
      done = true;
    });
    clock.setTimer(9_000, () => undefined);

    const elapsed = await clock.advanceUntil(() => done);
    const never = clock.advanceUntil(() => false, 10_000);

    expect(elapsed).toBe(4_000);
    await expect(never).rejects.toBeInstanceOf(SimulatorError);
    expect(clock.now()).toBe(14_000);
  });
});

describe("ScaledClock", () => {
  it("runs simulated delays scaled to real time and speeds up now()", () => {
    // Node's timers and Date on vitest's fake clock: "real" time moves only when the test says so.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const clock = new ScaledClock(0.001);
      const start = clock.now();
      let fired = false;
      clock.setTimer(20_000, () => {
        fired = true;
      });

      vi.advanceTimersByTime(19);
      const firedEarly = fired;
      const simulatedEarly = clock.now() - start;
      vi.advanceTimersByTime(1);
      const simulatedMs = clock.now() - start;
      clock.dispose();

      expect(firedEarly).toBe(false);
      expect(simulatedEarly).toBe(19_000);
      expect(fired).toBe(true);
      expect(simulatedMs).toBe(20_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it("rejects a non-positive scale", () => {
    expect(() => new ScaledClock(0)).toThrow(SimulatorError);
    expect(() => new ScaledClock(Number.NaN)).toThrow(SimulatorError);
  });
});
