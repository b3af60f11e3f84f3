import { describe, expect, it } from "vitest";
import { isRegistryHost, splitImageName, splitImageReference } from "../../src/domain/index.js";

describe("splitImageName", () => {
  it.each([
    ["nginx", { repository: "nginx" }],
    ["shop/web", { repository: "shop/web" }],
    ["shop/team/web", { repository: "shop/team/web" }],
    ["registry.example.com/shop/web", { registryHost: "registry.example.com", repository: "shop/web" }],
    [
      "registry.example.com:5000/shop/web",
      { registryHost: "registry.example.com:5000", repository: "shop/web" },
    ],
    ["127.0.0.1:5055/team/api", { registryHost: "127.0.0.1:5055", repository: "team/api" }],
    ["localhost/web", { registryHost: "localhost", repository: "web" }],
    ["localhost:5000/web", { registryHost: "localhost:5000", repository: "web" }],
    ["[::1]:5000/web", { registryHost: "[::1]:5000", repository: "web" }],
    ["REGISTRY.example.com/web", { registryHost: "registry.example.com", repository: "web" }],
    ["a__b/c-d.e_f", { repository: "a__b/c-d.e_f" }],
  ])("splits %s", (text, value) => {
    expect(splitImageName(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "empty"],
    ["Shop/web", "lower-case"],
    ["registry.example.com/Shop/web", "lower-case"],
    ["shop/web:1.0", "tag"],
    ["registry.example.com:5000/shop/web:1.0", "tag"],
    [`shop/web@sha256:${"a".repeat(64)}`, "digest"],
    ["shop//web", "repository path"],
    ["shop/-web", "repository path"],
    ["shop/web/", "repository path"],
    ["reg_istry.example.com/web", "registry host"],
    ["registry.example.com:99999/web", "registry host"],
    [`${"a".repeat(250)}/webby`, "255"],
  ])("refuses %s", (text, problem) => {
    const result = splitImageName(text);

    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.problem).toContain(problem);
  });
});

describe("isRegistryHost", () => {
  it.each([
    ["registry.example.com", true],
    ["registry.example.com:5000", true],
    ["127.0.0.1:5055", true],
    ["localhost", true],
    ["[fe80::1]:443", true],
    ["-bad.example.com", false],
    ["bad host", false],
    ["example.com:0", false],
    ["example.com:", false],
  ])("%s → %s", (host, expected) => {
    expect(isRegistryHost(host)).toBe(expected);
  });
});

describe("splitImageReference", () => {
  it.each([
    ["nginx:1.25", { image: "nginx", tag: "1.25" }],
    [
      "registry.example.com/shop/frontend:1.0.0",
      { image: "registry.example.com/shop/frontend", tag: "1.0.0" },
    ],
    ["localhost:5000/shop/worker", { image: "localhost:5000/shop/worker" }],
    ["localhost:5000/shop/worker:2.1", { image: "localhost:5000/shop/worker", tag: "2.1" }],
    [`a/b:1@sha256:${"e".repeat(64)}`, { image: "a/b", tag: "1", digest: `sha256:${"e".repeat(64)}` }],
    [
      `host:5000/a/b@sha256:${"f".repeat(64)}`,
      { image: "host:5000/a/b", digest: `sha256:${"f".repeat(64)}` },
    ],
  ])("%s", (reference, expected) => {
    expect(splitImageReference(reference)).toEqual(expected);
  });
});
