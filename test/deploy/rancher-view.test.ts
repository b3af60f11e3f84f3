import { describe, expect, it } from "vitest";
import { deriveRancherView } from "../../src/deploy/index.js";
import { rancherViewChanged, type KnownRancherView, type RancherView } from "../../src/domain/index.js";
import type { Container, Service } from "../../src/rancher/index.js";

const AT = "2026-01-01T00:00:00.000Z";
const PRIMARY = "io.rancher.service.primary.launch.config";

const service: Service = {
  id: "1s1",
  type: "service",
  state: "upgraded",
  healthState: "healthy",
  links: {},
  actions: {},
  scale: 2,
  launchConfig: { imageUuid: "docker:registry.example.com/shop/web:2", version: "v2", labels: {} },
  secondaryLaunchConfigs: [{ name: "nginx", imageUuid: "docker:nginx:1.25", version: "s1", labels: {} }],
};

interface ContainerInput {
  readonly id: string;
  readonly state?: string;
  readonly version?: string | null;
  readonly healthState?: string | null;
  readonly label?: string | null;
  readonly image?: string;
  readonly startCount?: number;
  readonly removed?: string | null;
}

function container(input: ContainerInput): Container {
  const label = input.label === undefined ? PRIMARY : input.label;
  return {
    id: input.id,
    type: "container",
    name: `shop-web-${input.id}`,
    state: input.state ?? "running",
    links: {},
    actions: {},
    imageUuid: `docker:${input.image ?? "registry.example.com/shop/web:2"}`,
    version: input.version === undefined ? "v2" : input.version,
    healthState: input.healthState === undefined ? "healthy" : input.healthState,
    labels: label === null ? {} : { "io.rancher.service.launch.config": label },
    startCount: input.startCount ?? 1,
    ...(input.removed === undefined ? {} : { removed: input.removed }),
  };
}

const known = (view: RancherView): KnownRancherView => {
  if (view.status !== "known") throw new Error(`expected a known view, got ${view.status}`);
  return view;
};

describe("deriveRancherView", () => {
  it("shows the primary launch config's image, the service state and health, and its containers", () => {
    const view = deriveRancherView(
      service,
      [
        container({ id: "1i3", startCount: 2 }),
        container({ id: "1i1", state: "stopped", version: "v1", image: "registry.example.com/shop/web:1" }),
        container({ id: "1i2", label: "nginx", image: "nginx:1.25", version: "s1", healthState: null }),
        container({ id: "1i4" }),
      ],
      undefined,
      AT,
    );

    expect(view).toEqual({
      status: "known",
      image: "registry.example.com/shop/web:2",
      serviceState: "upgraded",
      healthState: "healthy",
      healthy: 2,
      total: 2,
      containers: [
        {
          id: "1i1",
          name: "shop-web-1i1",
          state: "stopped",
          healthState: "healthy",
          image: "registry.example.com/shop/web:1",
          version: "v1",
          startCount: 1,
        },
        {
          id: "1i3",
          name: "shop-web-1i3",
          state: "running",
          healthState: "healthy",
          image: "registry.example.com/shop/web:2",
          version: "v2",
          startCount: 2,
        },
        {
          id: "1i4",
          name: "shop-web-1i4",
          state: "running",
          healthState: "healthy",
          image: "registry.example.com/shop/web:2",
          version: "v2",
          startCount: 1,
        },
      ],
      observedAt: AT,
    });
  });

  it("counts as healthy only running containers of the current version that are healthy or unchecked", () => {
    const view = known(
      deriveRancherView(
        { ...service, scale: 3, healthState: "degraded" },
        [
          container({ id: "1i1", healthState: "initializing" }),
          container({ id: "1i2", healthState: "unhealthy" }),
          container({ id: "1i3", healthState: null }),
          container({ id: "1i4", state: "starting", healthState: null }),
          container({ id: "1i5", version: "v1", healthState: "healthy" }),
          container({ id: "1i6", healthState: "updating-healthy" }),
          container({ id: "1i7", state: "removed" }),
          container({ id: "1i8", removed: "2026-01-01T00:00:00Z" }),
        ],
        undefined,
        AT,
      ),
    );

    expect({ healthy: view.healthy, total: view.total, healthState: view.healthState }).toEqual({
      healthy: 2,
      total: 3,
      healthState: "degraded",
    });
    expect(view.containers.map((c) => c.id)).toEqual(["1i1", "1i2", "1i3", "1i4", "1i5", "1i6"]);
  });

  it("shows a sidekick target's own launch config and containers (names compare case-insensitively)", () => {
    const view = known(
      deriveRancherView(
        service,
        [
          container({ id: "1i1" }),
          container({ id: "1i2", label: "nginx", image: "nginx:1.25", version: "s1", healthState: null }),
          container({ id: "1i4", label: "NGINX", image: "nginx:1.25", version: "s1", healthState: null }),
        ],
        "Nginx",
        AT,
      ),
    );

    expect({ image: view.image, healthy: view.healthy, total: view.total }).toEqual({
      image: "nginx:1.25",
      healthy: 2,
      total: 2,
    });
    expect(view.containers.map((c) => c.id)).toEqual(["1i2", "1i4"]);
  });

  it("takes unlabelled containers as the primary's, and without a scale counts the current version's", () => {
    const { scale: _scale, ...unscaled } = service;
    const view = known(
      deriveRancherView(
        unscaled,
        [container({ id: "1i1", label: null }), container({ id: "1i2", label: null, state: "stopped" })],
        undefined,
        AT,
      ),
    );

    expect({ healthy: view.healthy, total: view.total, ids: view.containers.map((c) => c.id) }).toEqual({
      healthy: 1,
      total: 2,
      ids: ["1i1", "1i2"],
    });
  });

  it("is missing for a removed service or a sidekick the service does not have", () => {
    expect(deriveRancherView({ ...service, state: "removed" }, [], undefined, AT)).toEqual({
      status: "missing",
      observedAt: AT,
    });
    expect(deriveRancherView({ ...service, removed: "2026-01-01T00:00:00Z" }, [], undefined, AT)).toEqual({
      status: "missing",
      observedAt: AT,
    });
    expect(deriveRancherView(service, [], "log-shipper", AT)).toEqual({ status: "missing", observedAt: AT });
  });
});

describe("rancherViewChanged", () => {
  const base = known(deriveRancherView(service, [container({ id: "1i1" })], undefined, AT));

  it("ignores the observation time and an unreachable view's reason", () => {
    expect(rancherViewChanged(base, { ...base, observedAt: "2026-01-02T00:00:00.000Z" })).toBe(false);
    expect(
      rancherViewChanged(
        { status: "unreachable", reason: "a", observedAt: AT },
        { status: "unreachable", reason: "b", observedAt: AT, last: base },
      ),
    ).toBe(false);
    expect(rancherViewChanged({ status: "unknown" }, { status: "unknown", observedAt: AT })).toBe(false);
  });

  it("sees the status, image, state, health, counts and each container's state and health", () => {
    const changes: RancherView[] = [
      { status: "missing", observedAt: AT },
      { status: "unreachable", reason: "down", observedAt: AT, last: base },
      { ...base, image: "registry.example.com/shop/web:3" },
      { ...base, serviceState: "active" },
      { ...base, healthState: "degraded" },
      { ...base, healthy: 0 },
      { ...base, total: 3 },
      { ...base, containers: base.containers.map((c) => ({ ...c, state: "stopped" })) },
      { ...base, containers: base.containers.map((c) => ({ ...c, healthState: "unhealthy" })) },
      { ...base, containers: base.containers.map((c) => ({ ...c, id: "1i9" })) },
      { ...base, containers: [] },
    ];
    expect(changes.map((view) => rancherViewChanged(base, view))).toEqual(changes.map(() => true));
  });
});
