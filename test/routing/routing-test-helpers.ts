import type { Config } from "../../src/config/index.js";
import { mappingSchema } from "../../src/config/mapping-schema.js";
import type { ImagePush } from "../../src/domain/index.js";

export type Rules = Config["rules"];

/** A config with the schema's defaults (plus `defaults`) and the rules as written (no schema defaults). */
export function makeConfig(rules: Rules, defaults: Record<string, unknown> = {}): Config {
  const base = mappingSchema.parse({
    environments: { production: { simulator: "default" }, staging: { simulator: "default" } },
    defaults,
  });
  return { ...base, rules };
}

export const FRONTEND = "registry.example.com/shop/frontend";
export const push = (extra: Partial<ImagePush> = {}): ImagePush => ({
  registryHost: "registry.example.com",
  repository: "shop/frontend",
  tag: "1.4.2",
  digest: `sha256:${"d".repeat(64)}`,
  source: "registry",
  ...extra,
});
export const prod = (service: string, extra: Record<string, unknown> = {}) => ({
  environment: "production",
  stack: "shop",
  service,
  ...extra,
});

export const RULES: Rules = [
  { image: FRONTEND, tags: { semver: ">=1.2.0 <2" }, targets: [prod("frontend"), prod("frontend-worker")] },
  {
    image: "registry.example.com/shop/nginx",
    tags: { exact: "stable" },
    targets: [prod("frontend", { sidekick: "nginx" })],
  },
  {
    image: FRONTEND,
    tags: { glob: "1.*" },
    targets: [prod("frontend"), { environment: "staging", stack: "shop", service: "frontend" }],
  },
  { image: FRONTEND, tags: { exact: "latest" }, targets: [prod("canary")] },
];
