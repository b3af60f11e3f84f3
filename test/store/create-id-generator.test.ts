import { describe, expect, it } from "vitest";
import { createIdGenerator, isGeneratedId } from "../../src/store/create-id-generator.js";

const MAX_RANDOM = "Z".repeat(16);

describe("createIdGenerator", () => {
  it("makes ids that sort by creation, also within one millisecond", () => {
    const next = createIdGenerator("d_");
    const times = [5, 5, 5, 6, 6, 1_700_000_000_000, 1_700_000_000_000];

    const ids = times.map((ms) => next(ms));

    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isGeneratedId("d_", id)).toBe(true);
  });

  it("encodes the millisecond timestamp in the first ten characters", () => {
    const next = createIdGenerator("d_");

    const id = next(Date.UTC(2025, 0, 1));

    expect(id.slice(2, 12)).toBe("01JGFJJZ00");
  });

  it("keeps ids increasing when the clock steps back", () => {
    const next = createIdGenerator("d_");
    const later = next(10_000);

    const earlier = next(9_000);

    expect(earlier > later).toBe(true);
  });

  it("continues after the greatest stored id, even from an earlier clock", () => {
    const stored = createIdGenerator("d_")(50_000);
    const next = createIdGenerator("d_", stored);

    const id = next(1_000);

    expect(id > stored).toBe(true);
  });

  it("moves to the next millisecond when the random part would overflow", () => {
    const last = `d_${"0".repeat(9)}5${MAX_RANDOM}`;
    const next = createIdGenerator("d_", last);

    const id = next(5);

    expect(id.slice(2, 12)).toBe(`${"0".repeat(9)}6`);
    expect(id > last).toBe(true);
  });

  it("ignores a seed that is not one of its ids", () => {
    const next = createIdGenerator("d_", "legacy-42");

    expect(isGeneratedId("d_", next(1))).toBe(true);
    expect(isGeneratedId("d_", "d_0000000000IIIIIIIIIIIIIIII")).toBe(false);
    expect(isGeneratedId("d_", "x_00000000000000000000000000")).toBe(false);
  });

  it("draws 80 random bits per millisecond", () => {
    const ids = Array.from({ length: 200 }, (_, i) => createIdGenerator("d_")(i));

    const randomParts = new Set(ids.map((id) => id.slice(12)));

    expect(randomParts.size).toBe(200);
  });
});
