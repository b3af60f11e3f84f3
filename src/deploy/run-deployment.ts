import type { Deployment, DeploymentError } from "../domain/index.js";
import {
  RancherApiError,
  RancherAuthError,
  RancherNotFoundError,
  RancherTimeoutError,
} from "../rancher/index.js";
import type { DeployContext } from "./deploy-context.js";
import { DeploymentRun, type RunOptions } from "./deployment-run.js";
import { DeploymentFailure, ERR } from "./deployment-failure.js";
import { awaitFinished, finishUpgrade } from "./finish-phase.js";
import { rollBack } from "./roll-back.js";
import { awaitUpgraded, prepareAndUpgrade } from "./upgrade-phase.js";
import { verifyUpgrade } from "./verify-phase.js";

export type { RunOptions, StartStep } from "./deployment-run.js";

/**
 * Runs one deployment to a terminal state (README "Deployments"): preparing → upgrading → verifying →
 * finishing → succeeded, or rolling-back → rolled-back, or failed/canceled. Every step is persisted
 * before the Rancher action it describes; decisions are taken from Rancher's state, never memory.
 * `options.startAt` resumes at a later step after a restart (see `planRecovery`).
 */
export async function runDeployment(
  ctx: DeployContext,
  deployment: Deployment,
  options: RunOptions,
): Promise<Deployment> {
  const run = new DeploymentRun(ctx, deployment, options);
  const start = options.startAt ?? "prepare";
  run.upgradePosted = start !== "prepare";
  try {
    if (start !== "prepare") await run.connect();
    switch (start) {
      case "prepare":
        return await prepareAndUpgrade(run);
      case "await-upgraded":
        return await awaitUpgraded(run);
      case "verify":
        return await verifyUpgrade(run);
      case "finish":
        return await finishUpgrade(run);
      case "await-finished":
        return await awaitFinished(run);
      case "rollback":
      case "await-rolled-back":
        return await rollBack(
          run,
          options.reason ?? { code: ERR.RESUMED, message: "rollback resumed after restart" },
          "failure",
        );
    }
  } catch (error) {
    return onError(run, error);
  }
}

/** A run stopped by an exception: shutdown (stay resumable), cancel, or failure (roll back if an upgrade was posted). */
async function onError(run: DeploymentRun, error: unknown): Promise<Deployment> {
  if (run.options.shutdown?.aborted === true) {
    run.log.info({ state: run.d.state }, "stopped by shutdown; will resume after restart");
    return run.d;
  }
  if (run.options.signal.aborted) {
    const reason = { code: ERR.CANCELED, message: "canceled by an operator" };
    if (!run.upgradePosted || run.d.state === "queued")
      return run.move("canceled", "canceled before any change to the service", {
        error: reason,
        pendingAction: null,
      });
    return rollBack(run, reason, "cancel");
  }
  const failure = toFailure(error);
  if (failure.code === ERR.INTERNAL) run.log.error({ err: error }, "deployment failed unexpectedly");
  // Another actor's change is never fought: no rollback of a target drover no longer owns.
  const stopEarly =
    error instanceof RancherAuthError ||
    error instanceof RancherNotFoundError ||
    failure.code === ERR.TARGET_CHANGED;
  if (run.upgradePosted && !stopEarly && run.d.state !== "rolling-back")
    return rollBack(run, failure, "failure");
  return run.move("failed", failure.message, { error: failure, pendingAction: null });
}

function toFailure(error: unknown): DeploymentError {
  if (error instanceof DeploymentFailure) return { code: error.failureCode, message: error.message };
  if (error instanceof RancherAuthError) return { code: error.code, message: error.message };
  if (error instanceof RancherNotFoundError) return { code: error.code, message: error.message };
  if (error instanceof RancherApiError) return { code: error.code, message: error.message };
  if (error instanceof RancherTimeoutError) return { code: error.code, message: error.message };
  if (
    error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    error.code.startsWith("ERR_")
  ) {
    return { code: error.code, message: error.message };
  }
  return { code: ERR.INTERNAL, message: "unexpected error (see the log)" };
}
