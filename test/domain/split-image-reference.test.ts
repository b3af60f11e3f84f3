import { describe, expect, it } from "vitest";
import { splitImageReference } from "../../src/domain/index.js";

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
