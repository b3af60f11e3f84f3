import { describe, expect, it } from "vitest";
import { DEPLOYMENT_STATES, isSuccessful, isTerminal } from "../../src/domain/index.js";

describe("isSuccessful", () => {
  it("is true for succeeded and skipped only, both terminal", () => {
    const successful = DEPLOYMENT_STATES.filter((state) => isSuccessful(state));
    expect(successful).toEqual(["skipped", "succeeded"]);
    expect(successful.every((state) => isTerminal(state))).toBe(true);
  });
});
