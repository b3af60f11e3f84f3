/** Routing: pure functions from an `ImagePush` and the mapping rules to planned deployments. */

/** Plans the deployments of one push (rules, tag policies, dedupe, settings, CI scope). */
export {
  planDeployments,
  resolveTargetSettings,
  type DeploymentPlan,
  type PlanIgnoredReason,
  type PlannedDeployment,
} from "./plan-deployments.js";
/** Canonical image names (`docker.io/library/nginx`), like Docker's reference normalisation. */
export { normalizeImage, normalizePushImage } from "./normalize-image.js";
export { ImageNameError } from "./routing-errors.js";
/** Tag policies `exact`, `glob`, `regex` (whole-tag), `semver`. */
export { matchTag } from "./match-tag.js";
/** Anchored `*`/`?` glob without regular expressions. */
export { matchGlob, matchGlobCounted } from "./match-glob.js";
