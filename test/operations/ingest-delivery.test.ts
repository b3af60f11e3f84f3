import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import type { Deployment, ImagePush } from "../../src/domain/index.js";
import { OutOfScopeError } from "../../src/errors/index.js";
import { ingestDelivery } from "../../src/operations/index.js";
import { catchError, memoryStore } from "../store/store-fixtures.js";

const CONFIG = `
storage: { path: ":memory:" }
environments:
  demo: { simulator: default }
rules:
  - image: registry.example.com/shop/frontend
    tags: { glob: "*" }
    targets: [{ environment: demo, stack: shop, service: frontend }]
  - image: registry.example.com/shop/worker
    tags: { glob: "*" }
    targets: [{ environment: demo, stack: shop, service: worker }]
`;

/** An in-memory store and an engine that only records what it is asked to queue. */
function setUp() {
  const { store } = memoryStore();
  const queued: Deployment[] = [];
  const engine = { enqueue: (...deployments: readonly Deployment[]) => void queued.push(...deployments) };
  const config = loadConfig({ file: "drover.yml", env: {}, readFile: () => CONFIG }).config;
  return { store, queued, deps: { store, engine, config: () => config } };
}

const push = (repository: string, tag = "1.0.0"): ImagePush => ({
  registryHost: "registry.example.com",
  repository,
  tag,
  source: "ci",
  deliveryId: `delivery-${repository}-${tag}`,
});

describe("ingestDelivery and a caller's scope", () => {
  it("refuses the whole delivery when one push is outside the scope, storing none of them", () => {
    const { store, queued, deps } = setUp();
    const scope = { images: ["registry.example.com/shop/frontend"] };

    const error = catchError(() =>
      ingestDelivery(deps, { pushes: [push("shop/frontend"), push("shop/worker")] }, scope, "req-1"),
    );

    expect(error).toBeInstanceOf(OutOfScopeError);
    expect(error).toMatchObject({ code: "ERR_OUT_OF_SCOPE", status: 403 });
    expect((error as Error).message).toMatch(/image registry\.example\.com\/shop\/worker is outside/);
    expect(store.list({ limit: 100 }).items).toEqual([]);
    expect(queued).toEqual([]);
  });

  it("stores every push of a delivery inside the scope", () => {
    const { store, queued, deps } = setUp();
    const scope = { images: ["registry.example.com/shop/*"], targets: ["demo/shop/*"] };

    const result = ingestDelivery(deps, { pushes: [push("shop/frontend"), push("shop/worker")] }, scope, "r");

    expect(result.deployments.map((d) => d.target)).toEqual(["demo/shop/frontend", "demo/shop/worker"]);
    expect(store.list({ limit: 100 }).items).toHaveLength(2);
    expect(queued.map((d) => d.id)).toEqual(result.deployments.map((d) => d.id));
  });
});
