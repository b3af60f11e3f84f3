import type { Deployment, DeploymentError } from "../domain/index.js";
import { RancherUnavailableError, type Container, type Service } from "../rancher/index.js";
import type { DeploymentRun } from "./deployment-run.js";
import { ERR } from "./deployment-failure.js";
import { finishUpgrade } from "./finish-phase.js";
import { guardTarget } from "./outside-changes.js";
import { probeHttp } from "./probe-http.js";
import { rollBack } from "./roll-back.js";
import { inspectNewContainers, watchNewContainers } from "./service-inspection.js";

const DEFAULT_VERIFY_INTERVAL_MS = 1_000;

/**
 * verifying: the new-version containers must be running and healthy (count ≥ scale), and the
 * optional HTTP probe must pass, continuously for the soak period, within the verify timeout.
 * Pass → finishing; an unhealthy, restarted (crashed) or replaced new container, the service
 * leaving `upgraded`, or the timeout → rolling back. Every read is judged first (`judgeTarget`):
 * another actor's change ends the deployment without any action, another actor's finish is
 * verified and then `succeeded`. Rancher being unreachable (after the client's own retries) is not
 * a verdict: health is unknown, so the soak starts again and the verify timeout still bounds the wait.
 */
export async function verifyUpgrade(run: DeploymentRun): Promise<Deployment> {
  if (run.d.state !== "verifying")
    await run.move("verifying", "service upgraded; checking the new containers");
  const { soakMs, timeoutMs, http } = run.d.settings.verify;
  const started = run.ctx.now();
  const interval = run.ctx.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS;
  let healthySince: number | undefined;
  let lastProbeNote: string | undefined;
  let lastSummary = "";
  let unavailable = false;
  const watch = watchNewContainers();
  let finishedOutside = false;
  let lastRead: { readonly service: Service; readonly at: number } | undefined;
  let stalls = run.storeStalls;
  for (;;) {
    run.checkCanceled();
    let instances: Container[];
    let service: Service;
    try {
      const guarded = await guardTarget(run, await run.getService());
      if ("ended" in guarded) return guarded.ended;
      service = guarded.service;
      lastRead = { service, at: run.ctx.now() };
      if (guarded.finishedOutside && !finishedOutside) {
        finishedOutside = true;
        await run.annotate(
          "note",
          "another actor finished drover's upgrade (service active on it); verifying its containers, posting nothing",
        );
      }
      if (!guarded.finishedOutside && (service.state !== "upgraded" || !run.runsNew(service))) {
        return rollBack(
          run,
          {
            code: ERR.SERVICE_STATE,
            message: `service left upgraded while verifying (now ${service.state})`,
          },
          "failure",
        );
      }
      instances = await run.rancher.client.listInstances(run.ref);
    } catch (error) {
      if (!(error instanceof RancherUnavailableError)) throw error;
      if (!unavailable)
        await run.annotate(
          "note",
          `Rancher unavailable while verifying (${error.message}); health unknown, the soak starts again`,
        );
      unavailable = true;
      healthySince = undefined;
      if (run.ctx.now() - started >= timeoutMs) {
        return fail(run, finishedOutside, {
          code: ERR.VERIFY_TIMEOUT,
          message: `health unknown at the verify timeout: ${error.message}`,
        });
      }
      await run.ctx.sleep(interval);
      continue;
    }
    unavailable = false;
    const report = watch(inspectNewContainers(service, instances, run.d.target.sidekick));
    if (report.summary !== lastSummary) {
      lastSummary = report.summary;
      await run.annotate("note", `health: ${report.summary}`);
    }
    if (report.unhealthy > 0)
      return fail(run, finishedOutside, {
        code: ERR.UNHEALTHY,
        message: `new containers unhealthy: ${report.summary}`,
      });
    let ok = report.healthy >= report.expected;
    if (ok && http !== undefined) {
      const probe = await probeHttp(run.ctx.fetch, http);
      // Noted when the answer changes (a failing probe is retried every interval).
      const probeNote = probe.ok ? undefined : `http probe: ${probe.detail}`;
      if (probeNote !== undefined && probeNote !== lastProbeNote) await run.annotate("note", probeNote);
      lastProbeNote = probeNote;
      ok = probe.ok;
    }
    const now = run.ctx.now();
    // While the store refused writes the run saw nothing of the containers: the soak starts again.
    if (run.storeStalls !== stalls) healthySince = undefined;
    stalls = run.storeStalls;
    healthySince = ok ? (healthySince ?? now) : undefined;
    if (healthySince !== undefined && now - healthySince >= soakMs) break;
    if (now - started >= timeoutMs) {
      return fail(run, finishedOutside, {
        code: ERR.VERIFY_TIMEOUT,
        message: `not healthy for ${soakMs} ms within ${timeoutMs} ms: ${report.summary}`,
      });
    }
    await run.ctx.sleep(interval);
  }
  await run.annotate("note", `healthy for the whole soak (${soakMs} ms)`);
  if (finishedOutside)
    return run.move("succeeded", "finished outside drover; service active on the new image and healthy", {
      pendingAction: null,
    });
  // The last read is good enough for the finish POST only if it is fresh (no stalled write since).
  const fresh = lastRead !== undefined && run.ctx.now() - lastRead.at <= interval;
  return finishUpgrade(run, fresh ? lastRead?.service : undefined);
}

/**
 * A failed verification: rolled back — unless another actor already finished the upgrade, which
 * `rollback` cannot undo (Rancher offers it only during an upgrade) and drover does not fight: then
 * `failed`, the service left as that actor finished it.
 */
function fail(run: DeploymentRun, finishedOutside: boolean, reason: DeploymentError): Promise<Deployment> {
  if (!finishedOutside) return rollBack(run, reason, "failure");
  return run.move("failed", `${reason.message}; finished outside drover, so not rolled back`, {
    error: reason,
    pendingAction: null,
  });
}
