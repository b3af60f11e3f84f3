import semver from "semver";
import type { TagPolicy } from "../config/index.js";
import { matchGlob } from "./match-glob.js";

/**
 * Whether a pushed tag satisfies a rule's tag policy:
 * - `exact`: the same tag (case-sensitive, as Docker tags are).
 * - `glob`: `*` (any run of characters) and `?` (one character), anchored; no other metacharacters.
 * - `regex`: the pattern must match the **whole** tag — it is wrapped as `^(?:pattern)$`, so
 *   `[0-9a-f]{7}` does not match `release-abc1234`. Patterns already written `^…$` behave the same.
 *   The pattern comes from the operator's config (trusted); tags are at most 128 characters.
 * - `semver`: the tag parsed as a version (`1.2.3` or `v1.2.3`, strictly: `1.2` or `1.2.3-alpine`
 *   style tags that are not versions do not match) satisfies the range. Prereleases match only when
 *   the range names a prerelease of the same major.minor.patch, as the `semver` package does.
 */
export function matchTag(policy: Readonly<TagPolicy>, tag: string): boolean {
  if ("exact" in policy) return tag === policy.exact;
  if ("glob" in policy) return matchGlob(policy.glob, tag);
  if ("regex" in policy) return new RegExp(`^(?:${policy.regex})$`).test(tag);
  const version = semver.parse(tag);
  return version !== null && semver.satisfies(version, policy.semver);
}
