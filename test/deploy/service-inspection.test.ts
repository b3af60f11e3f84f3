import { describe, expect, it } from "vitest";
import {
  buildUpgradeBody,
  inspectNewContainers,
  isMutableTag,
  watchNewContainers,
} from "../../src/deploy/service-inspection.js";
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

describe("inspectNewContainers and crashes (a service container that dies is restarted by Rancher)", () => {
  const ran = "2024-01-01T00:00:02Z";
  const started = (c: Container, startCount: number, firstRunning: string | null = ran): Container => ({
    ...c,
    startCount,
    firstRunning,
  });

  it("counts a new container started more than once as failed, even running without a health check", () => {
    const report = inspectNewContainers(
      service,
      [
        started(container("1i1", "running", "v2", null), 3),
        started(container("1i2", "running", "v2", null), 1),
      ],
      undefined,
    );

    expect(report).toMatchObject({ healthy: 1, expected: 2, unhealthy: 1 });
    expect(report.summary).toBe("1/2 healthy [running/no-check, running/no-check started 3×]");
  });

  it("counts a new container that ran and is now stopping, stopped, starting or removing as failed", () => {
    const report = inspectNewContainers(
      service,
      [
        started(container("1i1", "stopping", "v2", null), 1),
        started(container("1i2", "stopped", "v2", "initializing"), 1),
        started(container("1i3", "starting", "v2", null), 2),
        started(container("1i4", "removing", "v2", "healthy"), 1),
        started(container("1i5", "stopped", "v1", "healthy"), 1),
      ],
      undefined,
    );

    expect(report).toMatchObject({ healthy: 0, unhealthy: 4 });
  });

  it("does not count a container still on its first start (never ran yet) or the old stopped ones", () => {
    const report = inspectNewContainers(
      service,
      [
        started(container("1i1", "starting", "v2", null), 1, null),
        container("1i2", "creating", "v2", null),
        started(container("1i3", "stopped", "v1", "healthy"), 4),
        started(container("1i4", "running", "v2", "healthy"), 1),
      ],
      undefined,
    );

    expect(report).toMatchObject({ healthy: 1, unhealthy: 0 });
  });
});

describe("watchNewContainers", () => {
  const report = (...ids: string[]) =>
    inspectNewContainers(
      { ...service, scale: ids.length },
      ids.map((id) => container(id, "running", "v2", null)),
      undefined,
    );

  it("passes reports through while the same new containers stay", () => {
    const watch = watchNewContainers();

    expect(watch(report("1i6", "1i7"))).toMatchObject({ healthy: 2, unhealthy: 0 });
    expect(watch(report("1i7", "1i6"))).toMatchObject({ healthy: 2, unhealthy: 0 });
  });

  it("counts a new container that disappeared (removed and replaced) as failed", () => {
    const watch = watchNewContainers();
    watch(report("1i6", "1i7"));

    const replaced = watch(report("1i7", "1i8"));

    expect(replaced).toMatchObject({ healthy: 2, unhealthy: 1 });
    expect(replaced.summary).toBe("2/2 healthy [running/no-check, running/no-check]; replaced: 1i6");
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
