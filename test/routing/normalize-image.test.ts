import { describe, expect, it } from "vitest";
import { ImageNameError, normalizeImage, normalizePushImage } from "../../src/routing/index.js";

describe("normalizeImage", () => {
  it.each([
    ["nginx", "docker.io", "library/nginx"],
    ["library/nginx", "docker.io", "library/nginx"],
    ["shop/web", "docker.io", "shop/web"],
    ["docker.io/nginx", "docker.io", "library/nginx"],
    ["docker.io/shop/web", "docker.io", "shop/web"],
    ["index.docker.io/shop/web", "docker.io", "shop/web"],
    ["registry-1.docker.io/library/redis", "docker.io", "library/redis"],
    ["registry.hub.docker.com/nginx", "docker.io", "library/nginx"],
    ["registry.example.com/shop/web", "registry.example.com", "shop/web"],
    ["registry.example.com/web", "registry.example.com", "web"],
    ["registry.example.com:5000/shop/web", "registry.example.com:5000", "shop/web"],
    ["Registry.Example.COM:5000/shop/web", "registry.example.com:5000", "shop/web"],
    ["127.0.0.1:5055/team/api", "127.0.0.1:5055", "team/api"],
    ["localhost/team/api", "localhost", "team/api"],
    ["ghcr.io/acme/api", "ghcr.io", "acme/api"],
    ["  shop/web  ", "docker.io", "shop/web"],
  ])("normalises %s", (reference, registryHost, repository) => {
    expect(normalizeImage(reference)).toEqual({
      registryHost,
      repository,
      name: `${registryHost}/${repository}`,
    });
  });

  it.each([
    ["Shop/Web", "lower-case"],
    ["registry.example.com/Shop/web", "lower-case"],
    ["nginx:1.25", "tag"],
    [`nginx@sha256:${"a".repeat(64)}`, "digest"],
    ["registry.example.com:70000/web", "host"],
    ["shop/web!", "repository path"],
    ["", "empty"],
  ])("refuses %s rather than guessing", (reference, problem) => {
    let caught: unknown;
    try {
      normalizeImage(reference);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ImageNameError);
    expect((caught as ImageNameError).code).toBe("ERR_IMAGE_NAME");
    expect((caught as ImageNameError).message).toContain(problem);
  });
});

describe("normalizePushImage", () => {
  it.each([
    [{ repository: "library/nginx" }, "docker.io/library/nginx"],
    [{ repository: "nginx" }, "docker.io/library/nginx"],
    [{ repository: "acme/api" }, "docker.io/acme/api"],
    [{ registryHost: "index.docker.io", repository: "acme/api" }, "docker.io/acme/api"],
    [{ registryHost: "127.0.0.1:5055", repository: "team/api" }, "127.0.0.1:5055/team/api"],
    [{ registryHost: "Quay.io", repository: "acme/api" }, "quay.io/acme/api"],
  ])("normalises %j", (push, name) => {
    expect(normalizePushImage(push).name).toBe(name);
  });

  it("treats a push without host as Docker Hub even when its first component has a dot", () => {
    expect(normalizePushImage({ repository: "my.team/api" }).name).toBe("docker.io/my.team/api");
  });

  it.each([[{ registryHost: "bad host", repository: "acme/api" }], [{ repository: "Acme/API" }]])(
    "refuses %j",
    (push) => {
      expect(() => normalizePushImage(push)).toThrow(ImageNameError);
    },
  );
});
