import type { Service } from "../rancher/index.js";
import type { DeploymentRun } from "./deployment-run.js";
import { inspectNewContainers, TRANSITIONING_STATES } from "./service-inspection.js";

/** Rounds of waiting/cleaning before preparing gives up and judges the state it has. */
const MAX_SETTLE_ROUNDS = 4;

/**
 * Preparing (product spec §3): waits out transitions and deals with leftovers of earlier
 * upgrades — `upgraded` is finished when its new containers are healthy (and
 * `onUpgradedLeftover: finish`), else rolled back; `canceled-upgrade` is rolled back. Resolves
 * with the service in the state it settled in (the caller judges whether it is upgradeable).
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
