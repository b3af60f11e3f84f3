import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { resolveSettings } from "../../src/deploy/index.js";
import type { DeploymentState, DeployTarget, KnownRancherView, RancherView } from "../../src/domain/index.js";
import { listTargets, showTarget } from "../../src/operations/index.js";
import { memoryStore } from "../store/store-fixtures.js";

const FRONTEND = "registry.example.com/shop/frontend";
const CONFIG = `
storage: { path: ":memory:" }
environments:
  Demo: { simulator: default }
rules:
  - image: ${FRONTEND}
    tags: { glob: "*" }
    targets: [{ environment: Demo, stack: Shop, service: Frontend }]
`;
const AT = "2026-01-01T00:00:00.000Z";

const KNOWN: KnownRancherView = {
  status: "known",
  image: `${FRONTEND}:9.9.9`,
  serviceState: "active",
  healthState: "healthy",
  healthy: 2,
  total: 2,
  containers: [],
  observedAt: AT,
};

function setUp(views: Record<string, RancherView>) {
  const { store } = memoryStore();
  const config = loadConfig({ file: "drover.yml", env: {}, readFile: () => CONFIG }).config;
  const asked: string[] = [];
  const deps = {
    store,
    config: () => config,
    targets: {
      view: (key: string): RancherView => {
        asked.push(key);
        return views[key] ?? { status: "unknown" };
      },
    },
  };
  const record = (target: DeployTarget, tag: string, state: DeploymentState) => {
    const created = store.create({
      target,
      image: FRONTEND,
      tag,
      source: "manual",
      settings: resolveSettings(config, target),
    });
    return state === "queued"
      ? created
      : store.transition({ id: created.id, from: "queued", to: state, detail: "test" });
  };
  return { store, deps, asked, record };
}

describe("listTargets", () => {
  it("takes currentImage from Rancher's view only; the store's image is lastDeployedImage", () => {
    const { deps, record } = setUp({ "demo/shop/frontend": KNOWN });
    const target = { environment: "Demo", stack: "Shop", service: "Frontend" };
    record(target, "1.1.0", "succeeded");
    const last = record(target, "1.2.0", "failed");

    expect(listTargets(deps)).toEqual([
      {
        target: "demo/shop/frontend",
        environment: "Demo",
        stack: "Shop",
        service: "Frontend",
        rancher: KNOWN,
        currentImage: `${FRONTEND}:9.9.9`,
        lastDeployedImage: `${FRONTEND}:1.1.0`,
        lastDeployment: {
          id: last.id,
          state: "failed",
          image: `${FRONTEND}:1.2.0`,
          updatedAt: last.updatedAt,
        },
      },
    ]);
  });

  it("has no currentImage unless Rancher's view is known, even with a succeeded deployment", () => {
    const views: RancherView[] = [
      { status: "unknown" },
      { status: "missing", observedAt: AT },
      { status: "unreachable", reason: "Rancher cannot be reached", observedAt: AT, last: KNOWN },
    ];
    for (const view of views) {
      const { deps, record } = setUp({ "demo/shop/frontend": view });
      record({ environment: "Demo", stack: "Shop", service: "Frontend" }, "1.1.0", "succeeded");
      const [item] = listTargets(deps);
      expect(item).toMatchObject({ rancher: view, lastDeployedImage: `${FRONTEND}:1.1.0` });
      expect(item).not.toHaveProperty("currentImage");
    }
  });

  it("lists store-only targets by their newest deployment's names, sorted by key, with the sidekick", () => {
    const { deps, record } = setUp({});
    record({ environment: "demo", stack: "shop", service: "worker", sidekick: "log" }, "w1", "queued");
    record({ environment: "demo", stack: "shop", service: "cart" }, "c1", "succeeded");

    expect(
      listTargets(deps).map((item) => [item.target, item.environment, item.service, item.sidekick]),
    ).toEqual([
      ["demo/shop/cart", "Demo", "cart", undefined],
      ["demo/shop/frontend", "Demo", "Frontend", undefined],
      ["demo/shop/worker", "Demo", "worker", "log"],
    ]);
  });
});

describe("showTarget", () => {
  it("finds one target by key, case-insensitively, and nothing for a key nobody names", () => {
    const { deps, asked } = setUp({ "demo/shop/frontend": KNOWN });

    expect(showTarget(deps, "DEMO/shop/FRONTEND")).toMatchObject({
      target: "demo/shop/frontend",
      currentImage: `${FRONTEND}:9.9.9`,
    });
    expect(showTarget(deps, "demo/shop/nothing")).toBeUndefined();
    expect(asked).toEqual(["demo/shop/frontend"]);
  });
});
