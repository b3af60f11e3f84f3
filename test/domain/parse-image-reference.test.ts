import { describe, expect, it } from "vitest";
import { parseImageReference } from "../../src/domain/index.js";

const DIGEST = `sha256:${"e".repeat(64)}`;

describe("parseImageReference", () => {
  it.each([
    ["nginx:1.25", { name: "docker.io/library/nginx", tag: "1.25" }],
    ["nginx", { name: "docker.io/library/nginx" }],
    ["docker.io/library/nginx:1.25", { name: "docker.io/library/nginx", tag: "1.25" }],
    ["index.docker.io/acme/api:1.4.2", { name: "docker.io/acme/api", tag: "1.4.2" }],
    ["acme/api", { name: "docker.io/acme/api" }],
    ["Registry.Example.com:5000/shop/web:2", { name: "registry.example.com:5000/shop/web", tag: "2" }],
    ["localhost:5000/shop/worker", { name: "localhost:5000/shop/worker" }],
    [`a/b:1@${DIGEST}`, { name: "docker.io/a/b", tag: "1", digest: DIGEST }],
    [`host:5000/a/b@${DIGEST}`, { name: "host:5000/a/b", digest: DIGEST }],
  ])("%s", (text, value) => {
    expect(parseImageReference(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["nginx:bad tag", "tag", "bad tag", "not a valid tag"],
    ["nginx:", "tag", "", "not a valid tag"],
    [`nginx:${"a".repeat(129)}`, "tag", "a".repeat(129), "not a valid tag"],
    ["nginx:1@", "digest", "", "not a sha256 digest"],
    ["nginx:1@sha256:xyz", "digest", "sha256:xyz", "not a sha256 digest"],
    [`nginx:1@sha256:${"A".repeat(64)}`, "digest", `sha256:${"A".repeat(64)}`, "not a sha256 digest"],
    ["Shop/Web:1", "name", "Shop/Web", expect.stringMatching(/lower-case/)],
    [" nginx:1", "name", " nginx", expect.any(String)],
    ["", "name", "", "the image name is empty"],
  ])("%j: the %s is refused", (text, part, written, problem) => {
    expect(parseImageReference(text)).toEqual({ ok: false, part, written, problem });
  });
});
