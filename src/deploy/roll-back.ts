import type { Deployment, DeploymentError, DeploymentState } from "../domain/index.js";
import { RancherApiError } from "../rancher/index.js";
import { isRetryableLater, type DeploymentRun } from "./deployment-run.js";
import { DeploymentFailure, ERR } from "./deployment-failure.js";
import { endIfChangedOutside } from "./outside-changes.js";
import { currentImage, TRANSITIONING_STATES } from "./service-inspection.js";

/**
 * Rolls the service back (or leaves it, with `onFailure: leave`) and ends the deployment
 * `rolled-back` (`canceled` for an operator cancel), or `failed` when no safe state is reached.
 * A service in `finishing-upgrade` is first canceled (`cancelupgrade`), since `rollback` is not
 * offered there. Rancher being unavailable, a 409 or a state that moved (422 ActionNotAvailable)
 * does not end the attempt: the state is read again and the next step decided, until the
 * rollback deadline; only then (or on anything else) does the deployment end `failed`. Before
 * each POST (and after the last wait) the service is judged (`judgeTarget`): a target another
 * actor changed (an image or launch config version drover did not create) ends the deployment
 * `failed` with `ERR_TARGET_CHANGED` and nothing is posted.
 */
export async function rollBack(
  run: DeploymentRun,
  reason: DeploymentError,
  cause: "failure" | "cancel",
): Promise<Deployment> {
  const final: DeploymentState = cause === "cancel" ? "canceled" : "rolled-back";
  if (cause === "failure" && run.d.settings.onFailure === "leave") {
    return run.move("failed", `${reason.message}; left in place (onFailure: leave)`, {
      error: reason,
      pendingAction: null,
    });
  }
  if (run.d.state !== "rolling-back")
    await run.move("rolling-back", `rolling back: ${reason.message}`, {
      error: reason,
      pendingAction: "rollback",
    });
  const deadline = run.ctx.now() + run.d.settings.upgradeTimeoutMs;
  let waiting = false;
  for (;;) {
    try {
      return await attemptRollBack(run, final, reason, cause);
    } catch (error) {
      if (run.options.shutdown?.aborted === true) return run.d;
      const message = error instanceof Error ? error.message : String(error);
      const stateMoved = error instanceof RancherApiError && error.isActionNotAvailable;
      if ((isRetryableLater(error) || stateMoved) && run.ctx.now() < deadline) {
        if (!waiting) await run.annotate("note", `rollback not done yet (${message}); trying again`);
        waiting = true;
        await run.pause(deadline);
        continue;
      }
      run.log.error({ err: error }, "rollback failed");
      return run.move("failed", `could not reach a safe state: ${message}`, {
        error: { code: ERR.ROLLBACK, message: `${reason.message}; rollback failed: ${message}` },
        pendingAction: null,
      });
    }
  }
}

/** One pass: read the state, cancel a finish if needed, POST rollback if needed, wait for active. */
async function attemptRollBack(
  run: DeploymentRun,
  final: DeploymentState,
  reason: DeploymentError,
  cause: "failure" | "cancel",
): Promise<Deployment> {
  let service = await run.getService();
  const changed = endIfChangedOutside(run, service);
  if (changed !== undefined) return changed;
  if (service.state === "finishing-upgrade") {
    await run.rancher.client.cancelUpgrade(
      run.ref,
      (s) => s.state === "canceling-upgrade" || s.state === "canceled-upgrade",
    );
    service = await run.wait(
      "canceled-upgrade",
      run.ctx.now() + run.d.settings.upgradeTimeoutMs,
      (s) => s.state !== "canceling-upgrade" && s.state !== "finishing-upgrade",
    );
    const changedMeanwhile = endIfChangedOutside(run, service);
    if (changedMeanwhile !== undefined) return changedMeanwhile;
  }
  if (service.state === "upgrading" || service.state === "upgraded" || service.state === "canceled-upgrade") {
    await run.rancher.client.rollback(
      run.ref,
      (s) => s.state === "rolling-back" || (s.state === "active" && !run.runsNew(s)),
    );
    await run.annotate("action", "rollback accepted", { pendingAction: null });
  }
  service = await run.wait(
    "active",
    run.ctx.now() + run.d.settings.upgradeTimeoutMs,
    (s) => !TRANSITIONING_STATES.has(s.state),
  );
  const changedAtEnd = endIfChangedOutside(run, service);
  if (changedAtEnd !== undefined) return changedAtEnd;
  if (service.state === "active" && !run.runsNew(service)) {
    const image = currentImage(service, run.d.target.sidekick) ?? "unknown";
    return await run.move(final, `rolled back; service active on ${image}`, {
      pendingAction: null,
      ...(cause === "cancel" ? { error: reason } : {}),
    });
  }
  throw new DeploymentFailure(ERR.ROLLBACK, `rollback ended in state ${service.state}`);
}
