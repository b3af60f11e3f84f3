import type { Deployment } from "../domain/index.js";
import { RancherUnavailableError, type Container, type Service } from "../rancher/index.js";
import type { DeploymentRun } from "./deployment-run.js";
import { ERR } from "./deployment-failure.js";
import { finishUpgrade } from "./finish-phase.js";
import { probeHttp } from "./probe-http.js";
import { rollBack } from "./roll-back.js";
import { inspectNewContainers, watchNewContainers } from "./service-inspection.js";

const DEFAULT_VERIFY_INTERVAL_MS = 1_000;

/**
 * verifying: the new-version containers must be running and healthy (count ≥ scale), and the
 * optional HTTP probe must pass, continuously for the soak period, within the verify timeout.
 * Pass → finishing; an unhealthy, restarted (crashed) or replaced new container, the service
 * leaving `upgraded`, or the timeout → rolling back. Rancher being unreachable (after the client's own retries) is not a verdict:
 * health is unknown, so the soak starts again and the verify timeout still bounds the wait.
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
  for (;;) {
    run.checkCanceled();
    let instances: Container[];
    let service: Service;
    try {
      service = await run.getService();
      if (service.state !== "upgraded" || !run.runsNew(service)) {
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
        return rollBack(
          run,
          { code: ERR.VERIFY_TIMEOUT, message: `health unknown at the verify timeout: ${error.message}` },
          "failure",
        );
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
      return rollBack(
        run,
        { code: ERR.UNHEALTHY, message: `new containers unhealthy: ${report.summary}` },
        "failure",
      );
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
    healthySince = ok ? (healthySince ?? now) : undefined;
    if (healthySince !== undefined && now - healthySince >= soakMs) break;
    if (now - started >= timeoutMs) {
      return rollBack(
        run,
        {
          code: ERR.VERIFY_TIMEOUT,
          message: `not healthy for ${soakMs} ms within ${timeoutMs} ms: ${report.summary}`,
        },
        "failure",
      );
    }
    await run.ctx.sleep(interval);
  }
  await run.annotate("note", `healthy for the whole soak (${soakMs} ms)`);
  return finishUpgrade(run);
}
