import type { Deployment } from "../domain/index.js";
import type { Service } from "../rancher/index.js";
import {
  currentImage,
  deploymentImage,
  preUpgradeLaunchConfig,
  stripDockerPrefix,
  targetLaunchConfig,
} from "./service-inspection.js";

/** Whose launch config the target runs, judged from Rancher's image and `version` and drover's record. */
export type Ownership =
  /** The launch config drover's upgrade created (image N, the version drover recorded). */
  | "drover-upgrade"
  /** The launch config from before drover's upgrade (image P, the pre-upgrade version). */
  | "previous"
  /** Anything else: another actor's image or upgrade. */
  | "foreign";

/** What a deployment run (or recovery) must do about the service it just read, before any action. */
export type TargetVerdict =
  /** Rancher shows drover's own work (or the state before it): the phase carries on. */
  | { readonly kind: "ours" }
  /** Another actor changed the target: end `failed` (`ERR_TARGET_CHANGED`) and post nothing. */
  | { readonly kind: "changed-outside"; readonly detail: string }
  /**
   * While drover finishes (its containers passed verification), drover's upgrade was finished and
   * another actor has upgraded the service again since: Rancher's in-service strategy shows
   * drover's launch config as the one it upgraded from. `succeeded`, posting nothing more.
   */
  | { readonly kind: "finished-then-changed"; readonly detail: string }
  /** Another actor finished drover's upgrade: verify the containers, then `succeeded`. */
  | { readonly kind: "finished-outside" }
  /** Another actor rolled drover's upgrade back: `rolled-back`. */
  | { readonly kind: "rolled-back-outside" }
  /** Another actor is finishing or rolling back drover's upgrade right now: wait, post nothing. */
  | { readonly kind: "settling-outside"; readonly detail: string };

/** What the judge needs of a deployment (the stored record). */
export type JudgedDeployment = Pick<
  Deployment,
  | "image"
  | "tag"
  | "state"
  | "target"
  | "pendingAction"
  | "previousImage"
  | "previousVersion"
  | "upgradeVersion"
>;

/** `image (state, launch config version v)`: what Rancher runs now, for notes and errors. */
export function describeTarget(service: Service, sidekick: string | undefined): string {
  const version = targetLaunchConfig(service, sidekick)?.version;
  return `${currentImage(service, sidekick) ?? "no image"} (${service.state}, launch config version ${version ?? "unknown"})`;
}

/**
 * Whose launch config the service's target runs. With the version drover's upgrade created on
 * record, only that version on image N is drover's; before it is known (the POST's answer not
 * recorded yet, or a deployment recorded before versions were kept), image N on any version but
 * the pre-upgrade one counts as drover's. The previous launch config is image P on the
 * pre-upgrade version (Rancher's rollback restores it, version included); when no pre-upgrade
 * version is on record, image P alone.
 */
export function ownership(deployment: JudgedDeployment, service: Service): Ownership {
  const sidekick = deployment.target.sidekick;
  const image = currentImage(service, sidekick);
  const version = targetLaunchConfig(service, sidekick)?.version;
  const n = deploymentImage(deployment);
  const { previousImage: p, previousVersion, upgradeVersion } = deployment;
  const droverVersion =
    upgradeVersion !== undefined
      ? version === upgradeVersion
      : previousVersion === undefined || version !== previousVersion;
  if (image === n && droverVersion) return "drover-upgrade";
  if (p !== undefined && image === p && (previousVersion === undefined || version === previousVersion))
    return "previous";
  return "foreign";
}

/**
 * The one rule for every phase and for crash recovery: decide from Rancher's state *and* from what
 * drover itself started. Only meaningful once the upgrade intent is recorded (the deployment is
 * past `preparing`, or `preparing` with `pendingAction: upgrade`); before that the target is
 * judged by preparing's own rules (`settle-service.ts`).
 *
 * | Rancher runs | drover's phase | verdict |
 * |---|---|---|
 * | another actor's upgrade *from* drover's launch config (N, drover's version) | finishing | finished-then-changed |
 * | an image neither N nor P, or a version drover did not create | any | changed-outside |
 * | drover's upgrade, `active` | upgrading, verifying | finished-outside |
 * | drover's upgrade, `finishing-upgrade` | upgrading, verifying | settling-outside |
 * | the previous config, `active`/`inactive` | upgrading, verifying, finishing | rolled-back-outside |
 * | the previous config, `rolling-back` | upgrading, verifying, finishing | settling-outside |
 * | anything else | — | ours |
 */
export function judgeTarget(deployment: JudgedDeployment, service: Service): TargetVerdict {
  const owner = ownership(deployment, service);
  const phase = deployment.state;
  const s = service.state;
  if (owner === "foreign") {
    if (phase === "finishing" && upgradedFromDrovers(deployment, service))
      return {
        kind: "finished-then-changed",
        detail: `Rancher now runs ${describeTarget(service, deployment.target.sidekick)}`,
      };
    // Before the upgrade is posted, a service still on its pre-upgrade launch config is not foreign.
    if (phase === "preparing" && deployment.pendingAction !== "upgrade") return { kind: "ours" };
    return {
      kind: "changed-outside",
      detail: `Rancher now runs ${describeTarget(service, deployment.target.sidekick)}`,
    };
  }
  const droverFinishes = phase === "finishing";
  const droverRollsBack = phase === "rolling-back";
  if (owner === "drover-upgrade") {
    if (droverFinishes || droverRollsBack || phase === "preparing") return { kind: "ours" };
    if (s === "active") return { kind: "finished-outside" };
    if (s === "finishing-upgrade")
      return { kind: "settling-outside", detail: "another actor is finishing drover's upgrade" };
    return { kind: "ours" };
  }
  // The previous launch config.
  if (droverRollsBack || phase === "preparing") return { kind: "ours" };
  if (s === "active" || s === "inactive") return { kind: "rolled-back-outside" };
  if (s === "rolling-back")
    return { kind: "settling-outside", detail: "another actor is rolling drover's upgrade back" };
  return { kind: "ours" };
}

/**
 * Whether the service's latest upgrade started from drover's own launch config (image N on the
 * version drover's upgrade created): proof that drover's upgrade had been finished. Needs the
 * version on record; without it, nothing is proven.
 */
function upgradedFromDrovers(deployment: JudgedDeployment, service: Service): boolean {
  if (deployment.upgradeVersion === undefined) return false;
  const before = preUpgradeLaunchConfig(service, deployment.target.sidekick);
  return (
    before !== undefined &&
    stripDockerPrefix(before.imageUuid) === deploymentImage(deployment) &&
    before.version === deployment.upgradeVersion
  );
}
