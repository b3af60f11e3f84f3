import { describe, expect, it } from "vitest";
import { planDeployments } from "../../src/routing/index.js";
import { FRONTEND, makeConfig, prod, push, RULES, type Rules } from "./routing-test-helpers.js";

describe("planDeployments", () => {
  describe("with a CI token scope", () => {
    const config = makeConfig(RULES);

    it.each([
      [[FRONTEND]],
      [["registry.example.com/shop/*"]],
      [["registry.example.com/*"]],
      [["REGISTRY.example.com/shop/frontend"]],
      [["docker.io/other/*", "registry.example.com/shop/front?nd"]],
    ])("allows the image with images %j", (images) => {
      expect(planDeployments(push(), config, { images }).planned).toHaveLength(3);
    });

    it.each([
      [[]],
      [["registry.example.com/shop/backend"]],
      [["docker.io/*"]],
      [["registry.example.com/shop"]],
    ])("refuses the image with images %j", (images) => {
      expect(planDeployments(push(), config, { images })).toEqual({
        planned: [],
        reason: "outside-token-scope",
        ignored: `image ${FRONTEND} is outside the token's scope`,
      });
    });

    it("checks the image scope before looking for rules", () => {
      const plan = planDeployments(push({ repository: "shop/unknown" }), config, { images: [FRONTEND] });

      expect(plan.reason).toBe("outside-token-scope");
    });

    it("normalises image patterns without wildcards", () => {
      const rules: Rules = [{ image: "nginx", tags: { glob: "*" }, targets: [prod("web")] }];
      const nginx = push({ repository: "library/nginx", registryHost: "docker.io" });

      expect(planDeployments(nginx, makeConfig(rules), { images: ["nginx"] }).planned).toHaveLength(1);
    });

    it("keeps the targets in scope and reports the others", () => {
      const plan = planDeployments(push(), config, { targets: ["production/shop/*"] });

      expect(plan.planned.map((p) => p.target.environment)).toEqual(["production", "production"]);
      expect(plan.outsideScope).toEqual([{ environment: "staging", stack: "shop", service: "frontend" }]);
      expect(plan.reason).toBeUndefined();
    });

    it("says outside-token-scope when no matching target is in scope", () => {
      const plan = planDeployments(push(), config, { targets: ["production/billing/*"] });

      expect(plan.planned).toEqual([]);
      expect(plan.reason).toBe("outside-token-scope");
      expect(plan.ignored).toBe("all 3 matching targets are outside the token's scope");
      expect(plan.outsideScope).toHaveLength(3);
    });

    it.each([
      [["PRODUCTION/Shop/frontend"], 1],
      [["*/shop/frontend"], 2],
      [["production/shop/frontend-?orker"], 1],
      [["production/shop"], 0],
      [["production/shop/frontend/extra"], 0],
    ])("matches target patterns %j per segment, case-insensitively", (targets, count) => {
      expect(planDeployments(push(), config, { targets }).planned).toHaveLength(count);
    });

    it("lets a service pattern cover that service's sidekicks", () => {
      const nginx = push({ repository: "shop/nginx", tag: "stable" });

      const plan = planDeployments(nginx, config, { targets: ["production/shop/frontend"] });

      expect(plan.planned.map((p) => p.target)).toEqual([prod("frontend", { sidekick: "nginx" })]);
    });
  });
});
