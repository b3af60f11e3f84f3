import { describe, expect, it } from "vitest";
import { createDeployEvent, formatDuration } from "../../src/notify/index.js";
import { makeDeployment } from "./notify-test-kit.js";

describe("createDeployEvent", () => {
  it("describes a success with the image, duration and previous image", () => {
    const event = createDeployEvent({
      deployment: makeDeployment("succeeded"),
      kind: "finished",
      eventId: "e1",
    });

    expect(event).toMatchObject({
      eventId: "e1",
      kind: "finished",
      deploymentId: "dep_01HZX0000000000000000000",
      targetName: "demo/shop/frontend",
      image: "docker.io/acme/frontend:1.4.2",
      state: "succeeded",
      previousImage: "docker.io/acme/frontend:1.4.1",
      durationMs: 72_000,
      occurredAt: "2026-01-02T03:05:12.000Z",
    });
    expect(event.summary).toBe(
      "demo/shop/frontend: docker.io/acme/frontend:1.4.2 deployed in 1m12s (was docker.io/acme/frontend:1.4.1)",
    );
  });

  it("says a rollback failed, what it went back to and why", () => {
    const deployment = makeDeployment("rolled-back", {
      error: { code: "ERR_DEPLOY_UNHEALTHY", message: "new containers never became healthy" },
    });

    const event = createDeployEvent({ deployment, kind: "finished", eventId: "e2" });

    expect(event.error).toEqual({
      code: "ERR_DEPLOY_UNHEALTHY",
      message: "new containers never became healthy",
    });
    expect(event.summary).toBe(
      "demo/shop/frontend: docker.io/acme/frontend:1.4.2 failed and was rolled back to docker.io/acme/frontend:1.4.1 after 1m12s: ERR_DEPLOY_UNHEALTHY new containers never became healthy",
    );
  });

  it("names the sidekick, keeps the detail of a skip and has no duration when not started", () => {
    const { startedAt: _unused, ...withoutStart } = makeDeployment("skipped", {
      target: { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" },
    });

    const event = createDeployEvent({
      deployment: withoutStart,
      kind: "finished",
      eventId: "e3",
      detail: "already running this image",
    });

    expect(event.targetName).toBe("demo/shop/frontend/nginx");
    expect(event.durationMs).toBeUndefined();
    expect(event.summary).toBe(
      "demo/shop/frontend/nginx: docker.io/acme/frontend:1.4.2 skipped: already running this image",
    );
  });

  it("carries the Docker Hub callback URL only for the callback notifier", () => {
    const deployment = makeDeployment("failed", {
      callbackUrl: "https://registry.hub.docker.com/u/a/b/hook/x/",
    });

    const event = createDeployEvent({ deployment, kind: "finished", eventId: "e4" });

    expect(event.callbackUrl).toBe("https://registry.hub.docker.com/u/a/b/hook/x/");
    expect(event.summary).not.toContain("hook");
  });
});

describe("formatDuration", () => {
  it("formats seconds, minutes and hours", () => {
    expect([
      formatDuration(0),
      formatDuration(42_400),
      formatDuration(185_000),
      formatDuration(3_720_000),
    ]).toEqual(["0s", "42s", "3m05s", "1h02m"]);
  });
});
