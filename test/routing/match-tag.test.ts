import { describe, expect, it } from "vitest";
import { matchGlob, matchGlobCounted, matchTag } from "../../src/routing/index.js";

describe("matchTag", () => {
  it.each([
    [{ exact: "latest" }, "latest", true],
    [{ exact: "latest" }, "Latest", false],
    [{ exact: "stable" }, "stable-1", false],
  ])("exact %j vs %s → %s", (policy, tag, expected) => {
    expect(matchTag(policy, tag)).toBe(expected);
  });

  it.each([
    [{ glob: "release-*" }, "release-2026.08", true],
    [{ glob: "release-*" }, "release-", true],
    [{ glob: "release-*" }, "pre-release-1", false],
    [{ glob: "v1.?" }, "v1.2", true],
    [{ glob: "v1.?" }, "v1.23", false],
    [{ glob: "v1.?" }, "v1x2", false],
    [{ glob: "*-alpine" }, "1.2.3-alpine", true],
    [{ glob: "*" }, "anything", true],
    [{ glob: "a*b*c" }, "aXXbYYc", true],
    [{ glob: "a*b*c" }, "aXXbYY", false],
    [{ glob: "release-.*" }, "release-abc", false],
    [{ glob: "(a+)+" }, "aaaa", false],
    [{ glob: "[abc]" }, "a", false],
    [{ glob: "[abc]" }, "[abc]", true],
  ])("glob %j vs %s → %s", (policy, tag, expected) => {
    expect(matchTag(policy, tag)).toBe(expected);
  });

  it.each([
    [{ regex: "^[0-9a-f]{7}$" }, "7e56158", true],
    [{ regex: "[0-9a-f]{7}" }, "7e56158", true],
    [{ regex: "[0-9a-f]{7}" }, "release-7e56158", false],
    [{ regex: "[0-9a-f]{7}" }, "7e56158-dirty", false],
    [{ regex: "a|b" }, "a", true],
    [{ regex: "a|b" }, "ab", false],
    [{ regex: "^main-\\d+$" }, "main-42", true],
    [{ regex: "main-\\d+" }, "main-42x", false],
  ])("regex %j vs %s → %s (whole tag)", (policy, tag, expected) => {
    expect(matchTag(policy, tag)).toBe(expected);
  });

  it.each([
    [">=1.2.0 <2", "1.2.0", true],
    [">=1.2.0 <2", "v1.4.2", true],
    [">=1.2.0 <2", "1.19.7", true],
    [">=1.2.0 <2", "2.0.0", false],
    [">=1.2.0 <2", "1.1.9", false],
    [">=1.2.0 <2", "1.3.0-rc.1", false],
    [">=1.2.0 <2", "1.2.3-alpine", false],
    [">=1.3.0-rc.0 <2", "1.3.0-rc.1", true],
    [">=1.3.0-rc.0 <2", "1.4.0-rc.1", false],
    ["^1.4", "1.4.9", true],
    ["^1.4", "1.4", false],
    ["^1.4", "latest", false],
    ["*", "0.0.1", true],
  ])("semver %s vs %s → %s", (range, tag, expected) => {
    expect(matchTag({ semver: range }, tag)).toBe(expected);
  });
});

describe("matchGlob", () => {
  it("stays fast on patterns that would backtrack exponentially as a regex", () => {
    const pattern = "*a*a*a*a*a*a*a*a*a*b";
    const text = "a".repeat(128);

    const { matched, steps } = matchGlobCounted(pattern, text);

    expect(matched).toBe(false);
    expect(matchGlob(pattern, text)).toBe(false);
    // At most one step per (pattern position, text position) pair: no exponential backtracking.
    expect(steps).toBeLessThanOrEqual((pattern.length + 1) * (text.length + 1));
  });

  it.each([
    ["", "", true],
    ["", "a", false],
    ["**", "", true],
    ["?", "", false],
    ["a?c", "abc", true],
  ])("%j vs %j → %s", (pattern, text, expected) => {
    expect(matchGlob(pattern, text)).toBe(expected);
  });
});
