import { describe, expect, it } from "vitest";
import { planDeployments } from "../../src/routing/index.js";
import { FRONTEND, makeConfig, prod, push, RULES, type Rules } from "./routing-test-helpers.js";

describe("planDeployments", () => {
  it("plans every target of every matching rule, once per target, first rule first", () => {
    const plan = planDeployments(push(), makeConfig(RULES));

    expect(plan.planned.map((p) => [`${p.target.environment}/${p.target.service}`, p.ruleIndex])).toEqual([
      ["production/frontend", 0],
      ["production/frontend-worker", 0],
      ["staging/frontend", 2],
    ]);
    expect(plan.ignored).toBeUndefined();
    expect(plan.planned[0]).toMatchObject({
      image: FRONTEND,
      tag: "1.4.2",
      digest: `sha256:${"d".repeat(64)}`,
    });
  });

  it("collapses the same target named with different case and keeps the first rule's overrides", () => {
    const rules: Rules = [
      { image: FRONTEND, tags: { glob: "*" }, targets: [prod("frontend", { onFailure: "leave" })] },
      {
        image: FRONTEND,
        tags: { glob: "*" },
        targets: [{ environment: "Production", stack: "SHOP", service: "Frontend" }],
      },
    ];

    const plan = planDeployments(push(), makeConfig(rules));

    expect(plan.planned).toHaveLength(1);
    expect(plan.planned[0]?.ruleIndex).toBe(0);
    expect(plan.planned[0]?.settings.onFailure).toBe("leave");
  });

  it("treats a sidekick as its own target next to its service", () => {
    const rules: Rules = [
      {
        image: FRONTEND,
        tags: { glob: "*" },
        targets: [prod("frontend"), prod("frontend", { sidekick: "nginx" })],
      },
    ];

    const targets = planDeployments(push(), makeConfig(rules)).planned.map((p) => p.target);

    expect(targets).toEqual([prod("frontend"), prod("frontend", { sidekick: "nginx" })]);
  });

  it("omits the digest when the push has none", () => {
    const { digest: _digest, ...withoutDigest } = push();

    const plan = planDeployments(withoutDigest, makeConfig(RULES));

    expect(plan.planned[0]).not.toHaveProperty("digest");
  });

  it.each([
    ["nginx", { repository: "library/nginx", registryHost: undefined }],
    ["docker.io/library/nginx", { repository: "nginx", registryHost: undefined }],
    ["index.docker.io/nginx", { repository: "library/nginx", registryHost: "docker.io" }],
    [
      "Registry.Example.com:5000/shop/web",
      { repository: "shop/web", registryHost: "registry.example.com:5000" },
    ],
  ])("matches rule image %s to push %j after normalisation", (image, where) => {
    const rules: Rules = [{ image, tags: { exact: "1.4.2" }, targets: [prod("web")] }];
    const { registryHost: _host, ...dockerHub } = push({ repository: where.repository });
    const pushed =
      where.registryHost === undefined ? dockerHub : { ...dockerHub, registryHost: where.registryHost };

    expect(planDeployments(pushed, makeConfig(rules)).planned).toHaveLength(1);
  });

  it("does not match the same repository on another port or host", () => {
    const rules: Rules = [
      { image: "registry.example.com:5000/shop/frontend", tags: { glob: "*" }, targets: [prod("web")] },
    ];

    const plan = planDeployments(push(), makeConfig(rules));

    expect(plan).toEqual({
      planned: [],
      reason: "no-rule-for-image",
      ignored: `no rule for image ${FRONTEND}`,
    });
  });

  it("says when rules exist for the image but none for the tag", () => {
    const plan = planDeployments(push({ tag: "2.0.0" }), makeConfig(RULES));

    expect(plan).toEqual({
      planned: [],
      reason: "no-rule-for-tag",
      ignored: `tag 2.0.0 matches no rule for ${FRONTEND}`,
    });
  });

  it("skips a rule whose image Docker would refuse instead of throwing", () => {
    const rules: Rules = [
      { image: "registry.example.com/Shop/Frontend", tags: { glob: "*" }, targets: [prod("bad")] },
      { image: FRONTEND, tags: { glob: "*" }, targets: [prod("good")] },
    ];

    expect(planDeployments(push(), makeConfig(rules)).planned.map((p) => p.target.service)).toEqual(["good"]);
  });

  it("reports a push whose image is invalid", () => {
    expect(planDeployments(push({ repository: "Shop/Frontend" }), makeConfig(RULES)).reason).toBe(
      "invalid-image",
    );
  });

  describe("settings", () => {
    const defaults = {
      strategy: { batchSize: 1, intervalMillis: 5_000, startFirst: false },
      upgradeTimeout: "5m",
      verify: {
        soak: "20s",
        timeout: "2m",
        http: { url: "http://frontend.shop/health", bodyContains: "ok" },
      },
      onFailure: "rollback",
      onUpgradedLeftover: "rollback",
    };

    it("uses the defaults in milliseconds when the target has no overrides", () => {
      const rules: Rules = [{ image: FRONTEND, tags: { glob: "*" }, targets: [prod("frontend")] }];

      const settings = planDeployments(push(), makeConfig(rules, defaults)).planned[0]?.settings;

      expect(settings).toEqual({
        strategy: { batchSize: 1, intervalMillis: 5_000, startFirst: false },
        upgradeTimeoutMs: 300_000,
        verify: {
          soakMs: 20_000,
          timeoutMs: 120_000,
          http: {
            url: "http://frontend.shop/health",
            expectStatus: 200,
            bodyContains: "ok",
            timeoutMs: 5_000,
          },
        },
        onFailure: "rollback",
        onUpgradedLeftover: "rollback",
      });
    });

    it("merges partial strategy and verify overrides key by key", () => {
      const target = prod("frontend", {
        strategy: { batchSize: 2, startFirst: true },
        upgradeTimeout: 60_000,
        verify: { soak: 30_000 },
        onFailure: "leave",
      });
      const rules: Rules = [{ image: FRONTEND, tags: { glob: "*" }, targets: [target] }];

      const settings = planDeployments(push(), makeConfig(rules, defaults)).planned[0]?.settings;

      expect(settings?.strategy).toEqual({ batchSize: 2, intervalMillis: 5_000, startFirst: true });
      expect(settings?.upgradeTimeoutMs).toBe(60_000);
      expect(settings?.verify.soakMs).toBe(30_000);
      expect(settings?.verify.timeoutMs).toBe(120_000);
      expect(settings?.verify.http?.url).toBe("http://frontend.shop/health");
      expect(settings?.onFailure).toBe("leave");
      expect(settings?.onUpgradedLeftover).toBe("rollback");
    });

    it("replaces the http probe when a target gives its own", () => {
      const http = { url: "http://worker.shop/ready", expectStatus: 204, timeout: 1_000 };
      const rules: Rules = [
        { image: FRONTEND, tags: { glob: "*" }, targets: [prod("worker", { verify: { http } })] },
      ];

      const settings = planDeployments(push(), makeConfig(rules, defaults)).planned[0]?.settings;

      expect(settings?.verify.http).toEqual({
        url: "http://worker.shop/ready",
        expectStatus: 204,
        timeoutMs: 1_000,
      });
    });
  });
});
