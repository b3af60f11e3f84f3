import type { Deployment } from "../domain/index.js";
import type { Service } from "../rancher/index.js";
import type { DeploymentRun } from "./deployment-run.js";
import { ERR } from "./deployment-failure.js";
import { judgeTarget } from "./judge-target.js";
import { currentImage, TRANSITIONING_STATES } from "./service-inspection.js";

/** The service as a phase may go on with it, or the deployment already ended by another actor's change. */
export type Guarded =
  { readonly ended: Deployment } | { readonly service: Service; readonly finishedOutside: boolean };

/**
 * Applies {@link judgeTarget} to a service a phase just read, before the phase acts on it:
 * another actor's change ends the deployment (`failed` with `ERR_TARGET_CHANGED`, or
 * `rolled-back`) without any action; another actor's finish or rollback in progress is waited out
 * (bounded by the upgrade timeout) and judged again. Otherwise the phase carries on with the
 * service; `finishedOutside` says another actor finished drover's upgrade (verify, then succeed).
 */
export async function guardTarget(run: DeploymentRun, service: Service): Promise<Guarded> {
  let current = service;
  for (;;) {
    const verdict = judgeTarget(run.d, current);
    switch (verdict.kind) {
      case "changed-outside":
        return { ended: await failChangedOutside(run, verdict.detail) };
      case "rolled-back-outside":
        return { ended: await endRolledBackOutside(run, current) };
      case "finished-then-changed":
        return {
          ended: await run.move(
            "succeeded",
            `upgrade finished; another actor has upgraded the service since (${verdict.detail}); not touching it`,
            { pendingAction: null },
          ),
        };
      case "settling-outside":
        await run.annotate("note", `${verdict.detail}; waiting for it to settle, posting nothing`);
        current = await run.wait(
          "a stable state",
          run.ctx.now() + run.d.settings.upgradeTimeoutMs,
          (s) => !TRANSITIONING_STATES.has(s.state),
        );
        continue;
      case "finished-outside":
      case "ours":
        return { service: current, finishedOutside: verdict.kind === "finished-outside" };
    }
  }
}

/** Ends the deployment `failed` (`ERR_TARGET_CHANGED`): another actor changed the target; nothing is posted. */
export function failChangedOutside(run: DeploymentRun, detail: string): Promise<Deployment> {
  const message = `target changed outside drover: ${detail}`;
  run.log.warn({ detail }, "target changed outside drover; not touching it");
  return run.move("failed", `${message}; not touching it`, {
    error: { code: ERR.TARGET_CHANGED, message },
    pendingAction: null,
  });
}

/** {@link failChangedOutside} when another actor changed the target `service` shows; else undefined. */
export function endIfChangedOutside(run: DeploymentRun, service: Service): Promise<Deployment> | undefined {
  const verdict = judgeTarget(run.d, service);
  return verdict.kind === "changed-outside" ? failChangedOutside(run, verdict.detail) : undefined;
}

/** Ends the deployment `rolled-back`: another actor rolled drover's upgrade back. */
export function endRolledBackOutside(run: DeploymentRun, service: Service): Promise<Deployment> {
  const image = currentImage(service, run.d.target.sidekick) ?? "unknown";
  return run.move("rolled-back", `rolled back outside drover; service ${service.state} on ${image}`, {
    error: { code: ERR.TARGET_CHANGED, message: "rolled back outside drover" },
    pendingAction: null,
  });
}
