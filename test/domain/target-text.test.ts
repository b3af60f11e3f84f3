import { describe, expect, it } from "vitest";
import {
  formatTargetText,
  MAX_TARGET_TEXT_LENGTH,
  parseTargetText,
  TARGET_NAME_PATTERN,
} from "../../src/domain/index.js";

describe("TARGET_NAME_PATTERN", () => {
  it.each(["web", "Shop", "a", "a.b_c-d", "1a5", "x".repeat(128)])("accepts %s", (name) => {
    expect(TARGET_NAME_PATTERN.test(name)).toBe(true);
  });

  it.each(["", "-web", ".web", "_web", "front end", "a/b", "__proto__", "x".repeat(129), "web\n"])(
    "refuses %j",
    (name) => {
      expect(TARGET_NAME_PATTERN.test(name)).toBe(false);
    },
  );
});

describe("parseTargetText", () => {
  it("parses three or four names, kept as written", () => {
    expect(parseTargetText("Demo/Shop/Frontend")).toEqual({
      ok: true,
      value: { environment: "Demo", stack: "Shop", service: "Frontend" },
    });
    expect(parseTargetText("demo/shop/frontend/nginx")).toEqual({
      ok: true,
      value: { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" },
    });
  });

  it.each([
    ["demo/shop", /environment\/stack\/service\[\/sidekick\]/],
    ["demo/shop/frontend/nginx/extra", /environment\/stack\/service\[\/sidekick\]/],
    ["demo//frontend", /must be a name/],
    ["demo/shop/front end", /must be a name/],
    ["demo/../frontend", /must be a name/],
    [`demo/shop/${"a".repeat(129)}`, /must be a name/],
    [`${"a".repeat(100)}/${"b".repeat(100)}/${"c".repeat(100)}`, /longer than 300/],
  ])("refuses %s, without quoting it", (text, problem) => {
    const result = parseTargetText(text);
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(problem) });
    expect(result.ok ? "" : result.problem).not.toContain(text);
  });

  it("accepts a target exactly as long as the limit", () => {
    const text = `${"a".repeat(100)}/${"b".repeat(99)}/${"c".repeat(99)}`;
    expect(text).toHaveLength(MAX_TARGET_TEXT_LENGTH);
    expect(parseTargetText(text).ok).toBe(true);
  });
});

describe("formatTargetText", () => {
  it("writes the target back as parseTargetText reads it", () => {
    for (const text of ["Demo/Shop/Frontend", "demo/shop/frontend/nginx"]) {
      const parsed = parseTargetText(text);
      expect(parsed.ok && formatTargetText(parsed.value)).toBe(text);
    }
  });
});
