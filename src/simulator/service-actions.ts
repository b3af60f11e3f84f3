import type { InputMap } from "./input-fields.js";
import { readBoolean, readInt, readObject, readString } from "./input-fields.js";
import type { ProcessContext } from "./process-runner.js";
import {
  restartProcess,
  runActivate,
  runCancelUpgrade,
  runCreate,
  runDeactivate,
  runRemove,
  runUpdateInactive,
} from "./service-processes.js";
import type { ProcessAction } from "./service-state-machine.js";
import { isProcessAction, transitioningStateFor } from "./service-state-machine.js";
import type { SimEngine } from "./sim-engine.js";
import { setServiceState } from "./sim-engine.js";
import type { SimService } from "./sim-model.js";
import { runFinishUpgrade, runRollback, runUpgrade } from "./upgrade-process.js";
import { applyUpgrade, checkUpgrade, parseUpgradeBody } from "./upgrade-request.js";

type Body = (engine: SimEngine, context: ProcessContext) => Promise<void>;

/** Writable service fields (PUT and the `update` action). */
export function applyServiceFields(service: SimService, input: InputMap): void {
  const name = readString(input, "name");
  const description = readString(input, "description");
  if (input["scale"] !== undefined && input["scale"] !== null)
    service.scale = readInt(input, "scale", service.scale, 0);
  if (name !== undefined) service.name = name;
  if (input["description"] !== undefined) service.description = description ?? null;
  if (input["retainIp"] !== undefined) service.retainIp = readBoolean(input, "retainIp", false);
  if (input["startOnCreate"] !== undefined)
    service.startOnCreate = readBoolean(input, "startOnCreate", false);
  if (input["metadata"] !== undefined) service.metadata = readObject(input, "metadata");
}

function start(engine: SimEngine, service: SimService, action: ProcessAction, body: Body): void {
  for (const unit of service.units) unit.hold = false;
  setServiceState(engine, service, transitioningStateFor(action, service.state));
  engine.processes.start(service, action, (context) => body(engine, context));
}

/**
 * Steps 5–6 of docs/rancher-api.md §3.5 for an action already known to be offered: validates the
 * input (throwing the 422 the server would send) and returns the function that performs the
 * action — flip to the transitioning state now, run the process asynchronously (docs/rancher-api.md §3.3).
 */
export function prepareServiceAction(
  engine: SimEngine,
  service: SimService,
  action: string,
  input: InputMap,
): () => void {
  if (!isProcessAction(action)) return () => undefined;
  switch (action) {
    case "upgrade": {
      const strategy = checkUpgrade(service, parseUpgradeBody(input));
      return () => {
        service.plan = applyUpgrade(service, strategy);
        start(engine, service, action, runUpgrade);
      };
    }
    case "restart": {
      const rolling = readObject(input, "rollingRestartStrategy") ?? {};
      const strategy = {
        batchSize: readInt(rolling, "batchSize", 1, 1),
        intervalMillis: readInt(rolling, "intervalMillis", 2000, 100),
      };
      return () => start(engine, service, action, restartProcess(strategy));
    }
    case "update": {
      const probe: SimService = { ...service };
      applyServiceFields(probe, input);
      return () => performUpdate(engine, service, input);
    }
    case "rollback":
      return () => {
        if (service.plan !== null) {
          service.launchConfig = service.plan.previousLaunchConfig;
          service.secondaryLaunchConfigs = [...service.plan.previousSecondaryLaunchConfigs];
        }
        start(engine, service, action, runRollback);
      };
    case "create":
      return () =>
        start(engine, service, action, (e, context) =>
          runCreate(e, context, () => start(engine, service, "activate", runActivate)),
        );
    case "activate":
      return () => start(engine, service, action, runActivate);
    case "deactivate":
      return () => start(engine, service, action, runDeactivate);
    case "remove":
      return () => start(engine, service, action, runRemove);
    case "continueupgrade":
      return () => start(engine, service, action, runUpgrade);
    case "cancelupgrade":
      return () => start(engine, service, action, runCancelUpgrade);
    case "finishupgrade":
      return () => start(engine, service, action, runFinishUpgrade);
  }
}

/**
 * `update`: fields are saved at once; from `active`/`inactive` the service goes through
 * `updating-active`/`updating-inactive`; in other states it keeps its state and reconcile
 * applies a scale change.
 */
export function performUpdate(engine: SimEngine, service: SimService, input: InputMap): void {
  applyServiceFields(service, input);
  engine.state.changed("service", service.id, service.projectId);
  if (service.state === "active" || service.state === "updating-active") {
    start(engine, service, "update", runActivate);
  } else if (service.state === "inactive") {
    start(engine, service, "update", runUpdateInactive);
  } else {
    engine.reconciler.schedule(service, 0);
  }
}
