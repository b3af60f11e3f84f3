import { describe, expect, it } from "vitest";
import { CLEAR_LINE, createDeployProgress, formatElapsed, TICK_MS } from "../../src/cli/deploy-progress.js";
import { createTestIo } from "../helpers/cli-io.js";
import { ManualTimers } from "../helpers/manual-timers.js";

const AT = "2026-01-01T00:00:00.000Z";

describe("deploy --wait progress", () => {
  it("piped: one plain line per event, nothing rewritten, no timer left", () => {
    const timers = new ManualTimers();
    const io = { ...createTestIo(), timers, isTTY: false };
    const progress = createDeployProgress(io);

    progress.event(AT, "d_1", "preparing", "resolving the service");
    progress.event(AT, "d_1", "upgrading", "POST upgrade");
    progress.end();

    expect(io.out()).toBe(
      `${AT} d_1 preparing    resolving the service\n${AT} d_1 upgrading    POST upgrade\n`,
    );
    expect(timers.pending()).toEqual([]);
  });

  it("on a terminal: rewrites one line on each event and every second, so the elapsed time ticks", async () => {
    const timers = new ManualTimers();
    const io = { ...createTestIo(), timers, isTTY: true };
    const progress = createDeployProgress(io);

    progress.event(AT, "d_1", "upgrading", "waiting for upgraded");
    expect(io.out()).toBe(`${CLEAR_LINE}[0:00] d_1 upgrading    waiting for upgraded`);

    await timers.advance(12 * TICK_MS);
    const frames = io
      .out()
      .split(CLEAR_LINE)
      .filter((frame) => frame !== "");
    expect(frames).toHaveLength(13);
    expect(frames.at(-1)).toBe("[0:12] d_1 upgrading    waiting for upgraded");

    progress.event(AT, "d_1", "verifying", `${"x".repeat(200)}`);
    const last = io.out().split(CLEAR_LINE).at(-1) ?? "";
    expect(last).toMatch(/^\[0:12\] d_1 verifying {4}x+…$/);
    expect(last).toHaveLength(100);
    expect(io.out()).not.toContain("\n");

    progress.end();
    expect(io.out().endsWith(CLEAR_LINE)).toBe(true);
    expect(timers.pending()).toEqual([]);
    expect(progress.elapsed()).toBe("0:12");
    progress.end();
    expect(io.out().endsWith(`${CLEAR_LINE}${CLEAR_LINE}`)).toBe(false);
  });

  it("formats elapsed time as m:ss and h:mm:ss", () => {
    expect(formatElapsed(0)).toBe("0:00");
    expect(formatElapsed(65_400)).toBe("1:05");
    expect(formatElapsed(3_725_000)).toBe("1:02:05");
  });
});
