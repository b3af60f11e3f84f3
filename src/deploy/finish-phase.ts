import type { Deployment } from "../domain/index.js";
import { RancherApiError, RancherTimeoutError, type Service } from "../rancher/index.js";
import { isRetryableLater, type DeploymentRun } from "./deployment-run.js";
import { ERR } from "./deployment-failure.js";
import { rollBack } from "./roll-back.js";
import { TRANSITIONING_STATES } from "./service-inspection.js";

/**
 * finishing: records the intent, POSTs `finishupgrade` (safely), then waits for `active`. The
 * containers passed verification, so Rancher being unavailable (or answering 409) is waited out
 * until the finish deadline — re-reading the state before every new POST — rather than turned
 * into a rollback at once.
 */
export async function finishUpgrade(run: DeploymentRun): Promise<Deployment> {
  if (run.d.state !== "finishing")
    await run.move("finishing", "about to POST finishupgrade", { pendingAction: "finishupgrade" });
  run.checkCanceled();
  const deadline = run.ctx.now() + run.d.settings.upgradeTimeoutMs;
  const applied = (s: Service): boolean =>
    run.runsNew(s) && (s.state === "finishing-upgrade" || s.state === "active");
  let waiting = false;
  for (;;) {
    try {
      await run.rancher.client.finishUpgrade(run.ref, applied);
      break;
    } catch (error) {
      if (error instanceof RancherApiError && error.isActionNotAvailable) {
        const service = await run.getService();
        if (applied(service)) break;
        return rollBack(
          run,
          { code: ERR.SERVICE_STATE, message: `finishupgrade refused in state ${service.state}` },
          "failure",
        );
      }
      if (!isRetryableLater(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (run.ctx.now() >= deadline)
        return rollBack(
          run,
          { code: ERR.FINISH_TIMEOUT, message: `finishupgrade not accepted before the deadline: ${message}` },
          "failure",
        );
      if (!waiting) await run.annotate("note", `finishupgrade not accepted yet (${message}); trying again`);
      waiting = true;
    }
    // Re-read before any new POST: the last one may have been applied after all.
    const service = await run.readWhenAvailable(deadline);
    if (service === undefined)
      return rollBack(
        run,
        { code: ERR.FINISH_TIMEOUT, message: "Rancher unavailable until the finish deadline" },
        "failure",
      );
    if (applied(service)) break;
    if (service.state !== "upgraded" || !run.runsNew(service))
      return rollBack(
        run,
        { code: ERR.SERVICE_STATE, message: `service left upgraded while finishing (now ${service.state})` },
        "failure",
      );
  }
  await run.annotate("action", "finishupgrade accepted", { pendingAction: null });
  return awaitFinished(run);
}

/** Waits for `active` on the new image after `finishupgrade`: succeeded, else rolling back. */
export async function awaitFinished(run: DeploymentRun): Promise<Deployment> {
  try {
    const service = await run.wait(
      "active",
      run.ctx.now() + run.d.settings.upgradeTimeoutMs,
      (s) => s.state === "active" || !TRANSITIONING_STATES.has(s.state),
    );
    if (service.state === "active" && run.runsNew(service))
      return await run.move("succeeded", "upgrade finished; service active on the new image");
    return await rollBack(
      run,
      { code: ERR.SERVICE_STATE, message: `finish ended in state ${service.state}` },
      "failure",
    );
  } catch (error) {
    if (error instanceof RancherTimeoutError)
      return rollBack(
        run,
        { code: ERR.FINISH_TIMEOUT, message: `finish did not complete: ${error.message}` },
        "failure",
      );
    throw error;
  }
}
