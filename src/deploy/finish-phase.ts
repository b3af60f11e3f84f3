import type { Deployment } from "../domain/index.js";
import { RancherApiError, RancherTimeoutError, type Service } from "../rancher/index.js";
import { isRetryableLater, type DeploymentRun } from "./deployment-run.js";
import { ERR } from "./deployment-failure.js";
import { guardTarget } from "./outside-changes.js";
import { rollBack } from "./roll-back.js";
import { TRANSITIONING_STATES } from "./service-inspection.js";

/**
 * finishing: records the intent, POSTs `finishupgrade` (safely), then waits for `active`. The
 * containers passed verification, so Rancher being unavailable (or answering 409) is waited out
 * until the finish deadline — re-reading the state before every new POST — rather than turned
 * into a rollback at once. `lastRead` is the service as the verify phase last read it. Each read is judged first (`judgeTarget`): another actor's change
 * ends the deployment without a POST.
 */
export async function finishUpgrade(run: DeploymentRun, lastRead?: Service): Promise<Deployment> {
  if (run.d.state !== "finishing")
    await run.move("finishing", "about to POST finishupgrade", { pendingAction: "finishupgrade" });
  run.checkCanceled();
  const deadline = run.ctx.now() + run.d.settings.upgradeTimeoutMs;
  const applied = (s: Service): boolean =>
    run.runsNew(s) && (s.state === "finishing-upgrade" || s.state === "active");
  const unavailable = (): Promise<Deployment> =>
    rollBack(
      run,
      { code: ERR.FINISH_TIMEOUT, message: "Rancher unavailable until the finish deadline" },
      "failure",
    );
  let waiting = false;
  // Judge Rancher's state before every POST: another actor may have changed the target meanwhile,
  // and a POST that seemed to fail may have been applied after all. The first POST goes on the
  // verify phase's last read, if it has one (taken just now), else on a fresh one.
  let read = lastRead ?? (await run.readService());
  for (;;) {
    read ??= await run.readWhenAvailable(deadline);
    if (read === undefined) return unavailable();
    const guarded = await guardTarget(run, read);
    if ("ended" in guarded) return guarded.ended;
    const service = guarded.service;
    if (applied(service)) break;
    if (service.state !== "upgraded" || !run.runsNew(service))
      return rollBack(
        run,
        { code: ERR.SERVICE_STATE, message: `service left upgraded while finishing (now ${service.state})` },
        "failure",
      );
    try {
      await run.rancher.client.finishUpgrade(run.ref, applied);
      break;
    } catch (error) {
      if (error instanceof RancherApiError && error.isActionNotAvailable) {
        read = await run.getService();
        if (read.state === "upgraded" && run.runsNew(read))
          return rollBack(
            run,
            { code: ERR.SERVICE_STATE, message: `finishupgrade refused in state ${read.state}` },
            "failure",
          );
        continue;
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
      read = await run.readWhenAvailable(deadline);
      if (read === undefined) return unavailable();
    }
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
    const guarded = await guardTarget(run, service);
    if ("ended" in guarded) return guarded.ended;
    if (guarded.service.state === "active" && run.runsNew(guarded.service))
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
