import type { Config } from "../config/index.js";
import type { DeploySettings, DeployTarget, ImagePush } from "../domain/index.js";
import { targetKey } from "../domain/index.js";
import type { PushScope } from "../sources/index.js";
import { matchGlob } from "./match-glob.js";
import { matchTag } from "./match-tag.js";
import { normalizeImage, normalizePushImage } from "./normalize-image.js";
import { ImageNameError } from "./routing-errors.js";

type Rule = Config["rules"][number];
type RuleTargetConfig = Rule["targets"][number];

/** One deployment a push asks for: an image to one target, with its resolved settings. */
export interface PlannedDeployment {
  readonly target: DeployTarget;
  /** Canonical image name without tag (`docker.io/library/nginx`). */
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
  readonly settings: DeploySettings;
  /** Index in `config.rules` of the rule that contributed this target (the first one that did). */
  readonly ruleIndex: number;
}

/** Why a push plans nothing. `outside-token-scope` is the CI token's scope refusing it. */
export type PlanIgnoredReason =
  "invalid-image" | "no-rule-for-image" | "no-rule-for-tag" | "outside-token-scope";

/** The deployments of one push, or why there are none. */
export interface DeploymentPlan {
  readonly planned: readonly PlannedDeployment[];
  /** Set when `planned` is empty: a sentence for the webhook answer (`{ ignored }`). */
  readonly ignored?: string;
  readonly reason?: PlanIgnoredReason;
  /** Targets the rules matched but the caller's scope excluded (set when there were any). */
  readonly outsideScope?: readonly DeployTarget[];
}

/**
 * Plans the deployments of a push (pure). Every rule whose normalised image equals the push's and
 * whose tag policy matches contributes its targets, in config order; a target (and sidekick)
 * named by several rules is deployed once, with the first rule's overrides. Each target's
 * settings are `config.defaults` merged with its overrides (`strategy` and `verify` key by key).
 *
 * With a `scope` (CI tokens), the image must match `scope.images` and each target
 * `scope.targets`; what is left out is reported (`reason: "outside-token-scope"` when nothing is
 * left). Image patterns are canonical names (`registry.example.com/shop/*`; `*` matches any run of
 * characters, `/` included); a pattern without wildcards is normalised first (`nginx` works).
 * Target patterns are `environment/stack/service` with `*`/`?` per segment, case-insensitive; a
 * service pattern also covers that service's sidekicks.
 */
export function planDeployments(push: ImagePush, config: Config, scope?: PushScope): DeploymentPlan {
  let image: string;
  try {
    image = normalizePushImage(push).name;
  } catch (error) {
    if (!(error instanceof ImageNameError)) throw error;
    return { planned: [], reason: "invalid-image", ignored: error.message };
  }
  if (scope?.images !== undefined && !scope.images.some((pattern) => imageInScope(pattern, image))) {
    return {
      planned: [],
      reason: "outside-token-scope",
      ignored: `image ${image} is outside the token's scope`,
    };
  }
  const imageRules = config.rules
    .map((rule, ruleIndex) => ({ rule, ruleIndex }))
    .filter(({ rule }) => ruleImage(rule) === image);
  if (imageRules.length === 0)
    return { planned: [], reason: "no-rule-for-image", ignored: `no rule for image ${image}` };

  const planned: PlannedDeployment[] = [];
  const outsideScope: DeployTarget[] = [];
  const seen = new Set<string>();
  for (const { rule, ruleIndex } of imageRules) {
    if (!matchTag(rule.tags, push.tag)) continue;
    for (const ruleTarget of rule.targets) {
      const target = toDeployTarget(ruleTarget);
      const key = `${targetKey(target)}/${(target.sidekick ?? "").toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (scope?.targets !== undefined && !scope.targets.some((pattern) => targetInScope(pattern, target))) {
        outsideScope.push(target);
        continue;
      }
      planned.push({
        target,
        image,
        tag: push.tag,
        ...(push.digest === undefined ? {} : { digest: push.digest }),
        settings: resolveTargetSettings(config.defaults, ruleTarget),
        ruleIndex,
      });
    }
  }
  const excluded = outsideScope.length === 0 ? {} : { outsideScope };
  if (planned.length > 0) return { planned, ...excluded };
  if (outsideScope.length > 0) {
    const count =
      outsideScope.length === 1
        ? "the matching target is"
        : `all ${outsideScope.length} matching targets are`;
    return {
      planned,
      reason: "outside-token-scope",
      ignored: `${count} outside the token's scope`,
      ...excluded,
    };
  }
  return { planned, reason: "no-rule-for-tag", ignored: `tag ${push.tag} matches no rule for ${image}` };
}

/** A rule's canonical image, or undefined when its name is invalid (such a rule matches nothing). */
function ruleImage(rule: Rule): string | undefined {
  try {
    return normalizeImage(rule.image).name;
  } catch {
    return undefined;
  }
}

function toDeployTarget(ruleTarget: RuleTargetConfig): DeployTarget {
  const { environment, stack, service, sidekick } = ruleTarget;
  return { environment, stack, service, ...(sidekick === undefined ? {} : { sidekick }) };
}

function imageInScope(pattern: string, image: string): boolean {
  if (/[*?]/.test(pattern)) return matchGlob(pattern.toLowerCase(), image);
  try {
    return normalizeImage(pattern).name === image;
  } catch {
    return false;
  }
}

function targetInScope(pattern: string, target: DeployTarget): boolean {
  const parts = pattern.toLowerCase().split("/");
  const values = [target.environment, target.stack, target.service].map((value) => value.toLowerCase());
  return parts.length === 3 && parts.every((part, index) => matchGlob(part, values[index] ?? ""));
}

/**
 * `defaults` merged with a target's overrides, in the `DeploySettings` shape (durations in ms).
 * Mirrors `deploy/resolve-settings.ts` (routing cannot import deploy).
 */
export function resolveTargetSettings(
  defaults: Config["defaults"],
  overrides: RuleTargetConfig,
): DeploySettings {
  const strategy = mergeDefined(defaults.strategy, overrides.strategy);
  const verify = mergeDefined(defaults.verify, overrides.verify);
  const http = verify.http;
  return {
    strategy: {
      batchSize: strategy.batchSize,
      intervalMillis: strategy.intervalMillis,
      startFirst: strategy.startFirst,
    },
    upgradeTimeoutMs: overrides.upgradeTimeout ?? defaults.upgradeTimeout,
    verify: {
      soakMs: verify.soak,
      timeoutMs: verify.timeout,
      ...(http === undefined
        ? {}
        : {
            http: {
              url: http.url,
              expectStatus: http.expectStatus,
              timeoutMs: http.timeout,
              ...(http.bodyContains === undefined ? {} : { bodyContains: http.bodyContains }),
            },
          }),
    },
    onFailure: overrides.onFailure ?? defaults.onFailure,
    onUpgradedLeftover: defaults.onUpgradedLeftover,
  };
}

/** `base` with every key of `overrides` whose value is defined (a partial merge). */
function mergeDefined<T extends object>(
  base: T,
  overrides: { readonly [K in keyof T]?: T[K] | undefined } | undefined,
): T {
  const merged = { ...base };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
