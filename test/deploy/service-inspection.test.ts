import { describe, expect, it } from "vitest";
import { buildUpgradeBody, inspectNewContainers, isMutableTag } from "../../src/deploy/service-inspection.js";
import type { Container, Service } from "../../src/rancher/index.js";

const service: Service = {
  id: "1s1",
  type: "service",
  state: "upgraded",
  links: {},
  actions: {},
  scale: 2,
  launchConfig: {
    imageUuid: "docker:shop/web:2",
    version: "v2",
    ports: ["8080:80/tcp"],
    labels: { a: "b" },
    environment: { X: "1" },
  },
  secondaryLaunchConfigs: [{ name: "nginx", imageUuid: "docker:nginx:1.25", version: "s1", labels: {} }],
};

function container(
  id: string,
  state: string,
  version: string,
  healthState: string | null,
  label = "io.rancher.service.primary.launch.config",
): Container {
  return {
    id,
    type: "container",
    state,
    links: {},
    actions: {},
    version,
    healthState,
    labels: { "io.rancher.service.launch.config": label },
  };
}

describe("buildUpgradeBody", () => {
  it("sends the whole primary launch config with only the image changed, and leaves sidekicks alone", () => {
    const body = buildUpgradeBody({
      service,
      sidekick: undefined,
      image: "shop/web:3",
      strategy: { batchSize: 2, intervalMillis: 50, startFirst: true },
      forcePull: false,
    });

    expect(body).toEqual({
      inServiceStrategy: {
        batchSize: 2,
        intervalMillis: 100,
        startFirst: true,
        launchConfig: {
          imageUuid: "docker:shop/web:3",
          version: "v2",
          ports: ["8080:80/tcp"],
          labels: { a: "b" },
          environment: { X: "1" },
        },
        secondaryLaunchConfigs: [],
      },
    });
  });

  it("sends only the named sidekick for a sidekick target, with the pull label when asked", () => {
    const body = buildUpgradeBody({
      service,
      sidekick: "NGINX",
      image: "nginx:1.27",
      strategy: { batchSize: 1, intervalMillis: 2000, startFirst: false },
      forcePull: true,
    });

    expect(body).toEqual({
      inServiceStrategy: {
        batchSize: 1,
        intervalMillis: 2000,
        startFirst: false,
        secondaryLaunchConfigs: [
          {
            name: "nginx",
            imageUuid: "docker:nginx:1.27",
            version: "s1",
            labels: { "io.rancher.container.pull_image": "always" },
          },
        ],
      },
    });
  });
});

describe("inspectNewContainers", () => {
  it("counts only running new-version containers of the target launch config", () => {
    const instances = [
      container("1i1", "running", "v2", "healthy"),
      container("1i2", "running", "v2", "initializing"),
      container("1i3", "stopped", "v1", "healthy"),
      container("1i4", "running", "s1", null, "nginx"),
    ];

    const report = inspectNewContainers(service, instances, undefined);

    expect(report).toMatchObject({ healthy: 1, expected: 2, unhealthy: 0 });
    expect(report.summary).toBe("1/2 healthy [running/healthy, running/initializing]");
  });

  it("treats containers without a health check as healthy and reports unhealthy ones", () => {
    const noCheck = inspectNewContainers(
      service,
      [container("1i1", "running", "v2", null), container("1i2", "running", "v2", "updating-healthy")],
      undefined,
    );
    const bad = inspectNewContainers(
      service,
      [container("1i1", "running", "v2", "unhealthy"), container("1i2", "running", "v2", "healthy")],
      undefined,
    );

    expect(noCheck).toMatchObject({ healthy: 2, unhealthy: 0 });
    expect(bad).toMatchObject({ healthy: 1, unhealthy: 1 });
  });
});

describe("isMutableTag", () => {
  it.each([
    ["latest", true],
    ["stable", true],
    ["main", true],
    ["1.4.2", false],
    ["v2.0", false],
    ["1.4.2-22-7e56158", false],
    ["7e56158", false],
  ])("%s → %s", (tag, expected) => {
    expect(isMutableTag(tag)).toBe(expected);
  });
});
