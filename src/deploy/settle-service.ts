import { RancherTimeoutError, type Service } from "../rancher/index.js";
import type { DeploymentRun } from "./deployment-run.js";
import { DeploymentFailure, ERR } from "./deployment-failure.js";
import { describeTarget } from "./judge-target.js";
import { inspectNewContainers, targetLaunchConfig, TRANSITIONING_STATES } from "./service-inspection.js";

/** Rounds of waiting/cleaning before preparing gives up and judges the state it has. */
const MAX_SETTLE_ROUNDS = 4;

/**
 * Preparing (README "Deployments"): waits out transitions and deals with leftovers of earlier
 * upgrades — `upgraded` is finished when its new containers are healthy (and
 * `onUpgradedLeftover: finish`), else rolled back; `canceled-upgrade` is rolled back. Only a
 * leftover of drover's own upgrade is touched — its launch config version is one a deployment of
 * this target recorded; another actor's upgrade is waited out (up to the upgrade timeout) and, if
 * it is still there then, the deployment ends `failed` with `ERR_TARGET_CHANGED`, nothing posted.
 * Resolves with the service in the state it settled in (the caller judges whether it is upgradeable).
 */
export async function settleService(run: DeploymentRun, initial: Service): Promise<Service> {
  const awaitStable = (expected: string): Promise<Service> =>
    run.wait(
      expected,
      run.ctx.now() + run.d.settings.upgradeTimeoutMs,
      (s) => !TRANSITIONING_STATES.has(s.state),
    );
  let service = initial;
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round += 1) {
    if (TRANSITIONING_STATES.has(service.state)) {
      await run.annotate("note", `service is ${service.state}; waiting for it to settle`);
      service = await awaitStable("a stable state");
    } else if (
      (service.state === "upgraded" || service.state === "canceled-upgrade") &&
      !droverLeftover(run, service)
    ) {
      service = await awaitOtherActor(run, service);
    } else if (service.state === "upgraded") {
      const report = inspectNewContainers(
        service,
        await run.rancher.client.listInstances(run.ref),
        run.d.target.sidekick,
      );
      const finish =
        report.healthy >= report.expected &&
        report.unhealthy === 0 &&
        run.d.settings.onUpgradedLeftover === "finish";
      const action = finish ? "finishupgrade" : "rollback";
      await run.annotate(
        "action",
        `service left upgraded by an earlier upgrade (${report.summary}); about to POST ${action}`,
      );
      const left = (s: Service): boolean => s.state !== "upgraded";
      const { client } = run.rancher;
      await (finish ? client.finishUpgrade(run.ref, left) : client.rollback(run.ref, left));
      service = await awaitStable("active");
    } else if (service.state === "canceled-upgrade") {
      await run.annotate("action", "service left canceled-upgrade; about to POST rollback");
      await run.rancher.client.rollback(run.ref, (s) => s.state !== "canceled-upgrade");
      service = await awaitStable("active");
    } else {
      return service;
    }
  }
  return service;
}

/**
 * True when the `upgraded`/`canceled-upgrade` launch config of the target was created by one of
 * drover's own deployments (its version is on record), so finishing or rolling it back is drover's to do.
 */
function droverLeftover(run: DeploymentRun, service: Service): boolean {
  const version = targetLaunchConfig(service, run.d.target.sidekick)?.version;
  if (version === undefined) return false;
  const owner = run.ctx.store.findByUpgradeVersion(run.d.targetKey, version);
  return owner !== undefined && owner.id !== run.d.id;
}

/** Waits, posting nothing, for another actor to finish or roll back its upgrade; fails at the deadline. */
async function awaitOtherActor(run: DeploymentRun, service: Service): Promise<Service> {
  const detail = describeTarget(service, run.d.target.sidekick);
  await run.annotate(
    "note",
    `service ${service.state} by an upgrade drover did not start: ${detail}; waiting for that actor, posting nothing`,
  );
  try {
    return await run.wait(
      "the other actor's upgrade to end",
      run.ctx.now() + run.d.settings.upgradeTimeoutMs,
      (s) => !TRANSITIONING_STATES.has(s.state) && s.state !== "upgraded" && s.state !== "canceled-upgrade",
    );
  } catch (error) {
    if (!(error instanceof RancherTimeoutError)) throw error;
    throw new DeploymentFailure(
      ERR.TARGET_CHANGED,
      `target changed outside drover: ${detail} and still not finished at the upgrade deadline; not touching it`,
    );
  }
}
