import type { Deployment } from "../domain/index.js";
import {
  RancherApiError,
  RancherTimeoutError,
  RancherUnavailableError,
  UPGRADEABLE_STATES,
  type Service,
} from "../rancher/index.js";
import type { DeploymentRun } from "./deployment-run.js";
import { DeploymentFailure, ERR } from "./deployment-failure.js";
import { ownership } from "./judge-target.js";
import { guardTarget } from "./outside-changes.js";
import { rollBack } from "./roll-back.js";
import {
  buildUpgradeBody,
  currentImage,
  deploymentImage,
  isMutableTag,
  targetLaunchConfig,
  TRANSITIONING_STATES,
} from "./service-inspection.js";
import { settleService } from "./settle-service.js";
import { verifyUpgrade } from "./verify-phase.js";

/** Attempts at POSTing `upgrade` when the service's state keeps moving under us (422 ActionNotAvailable). */
const MAX_PREPARE_ROUNDS = 3;

/**
 * preparing → upgrading: skips a target already on this exact image and digest, settles the
 * service (leftovers, transitions), records the previous image and the intent, then POSTs
 * `upgrade` with the whole launch config and only the image changed; then waits for `upgraded`.
 * Until the upgrade is posted nothing has changed, so Rancher being unavailable is waited out
 * (starting over each time) until the upgrade deadline.
 */
export async function prepareAndUpgrade(run: DeploymentRun): Promise<Deployment> {
  const deadline = run.ctx.now() + run.d.settings.upgradeTimeoutMs;
  let waiting = false;
  for (;;) {
    try {
      await run.connect();
      return await prepareOnce(run);
    } catch (error) {
      if (!(error instanceof RancherUnavailableError) || run.upgradePosted || run.ctx.now() >= deadline)
        throw error;
      if (!waiting)
        await run.annotate("note", `Rancher unavailable while preparing (${error.message}); trying again`);
      waiting = true;
      await run.pause(deadline);
      run.checkCanceled();
    }
  }
}

async function prepareOnce(run: DeploymentRun): Promise<Deployment> {
  let service = await run.getService();
  if (run.d.state === "queued") {
    const skip = skipReason(run, service);
    if (skip !== undefined) return await run.move("skipped", skip);
    await run.move("preparing", "preparing", {
      startedAt: new Date(run.ctx.now()).toISOString(),
      projectId: run.ref.projectId,
      serviceId: run.ref.serviceId,
    });
  }
  const accepted = (s: Service): boolean =>
    run.runsNew(s) && (s.state === "upgrading" || s.state === "upgraded");
  let upgraded: Service;
  for (let round = 1; ; round += 1) {
    service = await settleService(run, service);
    if (!UPGRADEABLE_STATES.has(service.state)) {
      throw new DeploymentFailure(
        ERR.SERVICE_STATE,
        `service is ${service.state}; it cannot be upgraded from there`,
      );
    }
    if (targetLaunchConfig(service, run.d.target.sidekick) === undefined) {
      throw new DeploymentFailure(
        ERR.TARGET,
        `sidekick "${run.d.target.sidekick ?? ""}" not found in service ${run.d.target.service}`,
      );
    }
    const previous = currentImage(service, run.d.target.sidekick);
    const previousVersion = targetLaunchConfig(service, run.d.target.sidekick)?.version;
    await run.annotate(
      "action",
      "about to POST upgrade",
      {
        pendingAction: "upgrade",
        ...(previous === undefined ? {} : { previousImage: previous }),
        ...(previousVersion === undefined ? {} : { previousVersion }),
      },
      { from: previous, to: run.image, fromVersion: previousVersion },
    );
    run.checkCanceled();
    const body = buildUpgradeBody({
      service,
      sidekick: run.d.target.sidekick,
      image: run.image,
      strategy: run.d.settings.strategy,
      forcePull: previous === run.image || isMutableTag(run.d.tag),
    });
    try {
      run.upgradePosted = true;
      upgraded = await run.rancher.client.upgrade(run.ref, body, accepted);
      break;
    } catch (error) {
      if (!(error instanceof RancherApiError) || !error.isActionNotAvailable || round >= MAX_PREPARE_ROUNDS)
        throw error;
      service = await run.getService();
      upgraded = service;
      if (accepted(service)) break;
      run.upgradePosted = false;
      await run.annotate(
        "note",
        `service moved to ${service.state} before the upgrade was accepted; preparing again`,
        { pendingAction: null },
      );
    }
  }
  // Rancher stamps a new launch config version on the upgrade and answers with it: the mark of
  // drover's own upgrade, told apart from any other actor's by every later phase and by recovery.
  const upgradeVersion = targetLaunchConfig(upgraded, run.d.target.sidekick)?.version;
  await run.move("upgrading", "upgrade accepted", {
    pendingAction: null,
    ...(upgradeVersion === undefined ? {} : { upgradeVersion }),
  });
  return awaitUpgraded(run);
}

/**
 * upgrading: waits for `upgraded` within the upgrade deadline, counted from the `upgrading`
 * transition in the event log — after a restart only what is left of it (notes written since move
 * `updatedAt`, so it is not the reference).
 */
export async function awaitUpgraded(run: DeploymentRun): Promise<Deployment> {
  const upgradingAt = [...run.ctx.store.events(run.d.id)]
    .reverse()
    .find((event) => event.kind === "transition" && event.state === "upgrading")?.at;
  const since = Date.parse(upgradingAt ?? run.d.updatedAt);
  let service: Service;
  try {
    service = await run.wait(
      "upgraded",
      since + run.d.settings.upgradeTimeoutMs,
      (s) => !TRANSITIONING_STATES.has(s.state),
    );
  } catch (error) {
    if (error instanceof RancherTimeoutError)
      return rollBack(
        run,
        { code: ERR.UPGRADE_TIMEOUT, message: `upgrade did not complete: ${error.message}` },
        "failure",
      );
    throw error;
  }
  await adoptUpgradeVersion(run, service);
  const guarded = await guardTarget(run, service);
  if ("ended" in guarded) return guarded.ended;
  service = guarded.service;
  if (guarded.finishedOutside || (service.state === "upgraded" && run.runsNew(service)))
    return verifyUpgrade(run);
  return rollBack(
    run,
    { code: ERR.SERVICE_STATE, message: `upgrade ended in unexpected state ${service.state}` },
    "failure",
  );
}

/**
 * Records the launch config version of drover's upgrade when the POST's answer was not recorded
 * (a restart between the POST and "upgrade accepted"): the service runs N on a version other than
 * the pre-upgrade one, so it is the upgrade drover's recorded intent posted.
 */
async function adoptUpgradeVersion(run: DeploymentRun, service: Service): Promise<void> {
  if (run.d.upgradeVersion !== undefined || ownership(run.d, service) !== "drover-upgrade") return;
  const version = targetLaunchConfig(service, run.d.target.sidekick)?.version;
  if (version === undefined) return;
  await run.annotate("note", `recorded launch config version ${version} of drover's upgrade`, {
    upgradeVersion: version,
  });
}

/** Why a queued deployment need not run: the target already runs exactly this image and digest. */
function skipReason(run: DeploymentRun, service: Service): string | undefined {
  const d = run.d;
  if (
    d.digest === undefined ||
    service.state !== "active" ||
    currentImage(service, d.target.sidekick) !== run.image
  )
    return undefined;
  const last = run.ctx.store.list({ targetKey: d.targetKey, states: ["succeeded"], limit: 1 }).items[0];
  if (last === undefined || last.digest !== d.digest || deploymentImage(last) !== run.image) return undefined;
  return `target already runs ${run.image}@${d.digest} (deployment ${last.id})`;
}
