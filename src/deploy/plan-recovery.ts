import type { Deployment, DeploymentState } from "../domain/index.js";
import type { Service } from "../rancher/index.js";
import { ERR } from "./deployment-failure.js";
import { judgeTarget } from "./judge-target.js";
import type { StartStep } from "./run-deployment.js";
import {
  currentImage,
  deploymentImage,
  targetLaunchConfig,
  type HealthReport,
} from "./service-inspection.js";

/** What to do with a non-terminal deployment found at start-up (the crash-recovery table: docs/reliability.md and `planRecovery`). */
export type RecoveryPlan =
  | { readonly kind: "enqueue" }
  | { readonly kind: "resume"; readonly startAt: StartStep; readonly detail: string }
  | {
      readonly kind: "finish";
      readonly state: DeploymentState;
      readonly detail: string;
      readonly errorCode?: string;
    }
  /** The service runs N but its new containers are unhealthy: record failed, then deploy P as a new rollback deployment. */
  | { readonly kind: "rollback-deployment"; readonly detail: string };

/**
 * The crash-recovery decision table (docs/reliability.md), as a pure function of the recorded deployment and
 * Rancher's actual state. `service` is undefined when the service no longer exists; `health`
 * is the new containers' report when the service is `active` on the new image. For a same-image
 * redeploy (previous image = new image) still `preparing`, a service `active` on that image is no
 * proof the upgrade was posted, so it is prepared again (the recovery table: "S runs P, stable").
 * Once the upgrade intent is recorded, {@link judgeTarget} decides first, as in a live run: an
 * image or launch config version drover did not create is "changed outside drover", never touched.
 */
export function planRecovery(
  deployment: Deployment,
  service: Service | undefined,
  health?: HealthReport,
): RecoveryPlan {
  const state = deployment.state;
  if (state === "queued") return { kind: "enqueue" };
  const outside = (why: string): RecoveryPlan => ({
    kind: "finish",
    state: "failed",
    detail: `target changed outside drover (${why}); not touching it`,
    errorCode: ERR.TARGET_CHANGED,
  });
  if (service === undefined) return outside("the service is gone");
  const upgradeIntent = state !== "preparing" || deployment.pendingAction === "upgrade";
  // The rule the live phases apply too (judge-target.ts): whose launch config does Rancher run?
  // (Before the upgrade intent is recorded it calls the service ours whatever it runs.)
  const verdict = judgeTarget(deployment, service);
  switch (verdict.kind) {
    case "changed-outside":
      return outside(verdict.detail);
    case "rolled-back-outside":
      return {
        kind: "finish",
        state: "rolled-back",
        detail: "service active on the previous image: rolled back outside drover",
        errorCode: ERR.TARGET_CHANGED,
      };
    case "finished-then-changed":
      return {
        kind: "finish",
        state: "succeeded",
        detail: `upgrade finished; another actor has upgraded the service since (${verdict.detail}); not touching it`,
      };
    case "settling-outside":
      return { kind: "resume", startAt: "verify", detail: `${verdict.detail}; verifying once it settles` };
    case "finished-outside":
    case "ours":
      break;
  }

  const n = deploymentImage(deployment);
  const p = deployment.previousImage;
  const image = currentImage(service, deployment.target.sidekick);
  const runsN = image === n;
  const runsP = p !== undefined && image === p;
  const s = service.state;
  // A same-image redeploy (P = N, re-pulled): the service running N proves nothing about this
  // deployment's upgrade — unless the pre-upgrade launch config version is on record and differs.
  const sameImage =
    p !== undefined &&
    p === n &&
    (deployment.previousVersion === undefined ||
      targetLaunchConfig(service, deployment.target.sidekick)?.version === deployment.previousVersion);

  if (state === "rolling-back") {
    if (s === "rolling-back")
      return {
        kind: "resume",
        startAt: "await-rolled-back",
        detail: "rollback in progress in Rancher; waiting for active",
      };
    if (runsN && ["upgrading", "upgraded", "canceled-upgrade", "finishing-upgrade"].includes(s)) {
      return {
        kind: "resume",
        startAt: "rollback",
        detail: `service ${s} on the new image; posting rollback again`,
      };
    }
    if (runsP && s === "active")
      return {
        kind: "finish",
        state: "rolled-back",
        detail: "service already back on the previous image (rolled back by drover before the restart)",
      };
  }
  if (runsN && s === "upgrading" && upgradeIntent)
    return {
      kind: "resume",
      startAt: "await-upgraded",
      detail: "upgrade in progress in Rancher; waiting for upgraded",
    };
  if (runsN && s === "upgraded" && upgradeIntent) {
    if (state === "finishing")
      return {
        kind: "resume",
        startAt: "finish",
        detail: "service still upgraded; posting finishupgrade again",
      };
    return {
      kind: "resume",
      startAt: "verify",
      detail: "service upgraded; verifying from the start of the soak",
    };
  }
  if (runsN && s === "finishing-upgrade" && state === "finishing")
    return {
      kind: "resume",
      startAt: "await-finished",
      detail: "finish in progress in Rancher; waiting for active",
    };
  if (runsN && s === "canceled-upgrade" && upgradeIntent)
    return { kind: "resume", startAt: "rollback", detail: "upgrade was canceled in Rancher; rolling back" };
  if (state === "preparing" && sameImage && s === "active")
    return {
      kind: "resume",
      startAt: "prepare",
      detail:
        "same-image redeploy: the service active on that image does not show the upgrade was posted; preparing again",
    };
  if (runsN && s === "active" && upgradeIntent) {
    if (health !== undefined && health.healthy >= health.expected && health.unhealthy === 0) {
      return {
        kind: "finish",
        state: "succeeded",
        detail: `service active on the new image and healthy (${health.summary}); finished before restart`,
      };
    }
    return {
      kind: "rollback-deployment",
      detail: `service active on the new image but not healthy (${health?.summary ?? "unknown"}); deploying the previous image again`,
    };
  }
  if (state === "preparing" && (!upgradeIntent || runsP))
    return { kind: "resume", startAt: "prepare", detail: "the upgrade was never accepted; preparing again" };
  if (runsP && s === "active") {
    return {
      kind: "finish",
      state: "rolled-back",
      detail: "service active on the previous image: rolled back outside drover",
      errorCode: ERR.TARGET_CHANGED,
    };
  }
  return outside(`service is ${s} on ${image ?? "no image"}`);
}
