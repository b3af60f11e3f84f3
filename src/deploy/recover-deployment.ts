import type { Logger } from "pino";
import {
  parseImageReference,
  type Deployment,
  type DeploymentError,
  type DeploymentState,
} from "../domain/index.js";
import { RancherNotFoundError } from "../rancher/index.js";
import type { DeploymentPatch, NewDeployment } from "../store/index.js";
import type { DeployContext } from "./deploy-context.js";
import { ERR } from "./deployment-failure.js";
import { planRecovery } from "./plan-recovery.js";
import type { StartStep } from "./deployment-run.js";
import { inspectNewContainers } from "./service-inspection.js";

/** What recovery may do with the engine. */
export interface RecoveryActions {
  readonly log: Logger;
  /** Queue it again (normal flow). */
  enqueue(deployment: Deployment): void;
  /** Run it from `startAt`. */
  resume(deployment: Deployment, startAt: StartStep): void;
  transition(
    deployment: Deployment,
    to: DeploymentState,
    detail: string,
    patch?: DeploymentPatch,
  ): Deployment;
  submit(input: NewDeployment): Deployment;
}

/**
 * Start-up recovery of one non-terminal deployment (the crash-recovery table: docs/reliability.md and `planRecovery`): reads the service as
 * Rancher has it now (and its new containers' health when it is `active`), plans with
 * {@link planRecovery}, and acts — queue, resume at a step, record a terminal state, or record
 * `failed` and deploy the previous image as a new rollback deployment.
 * @throws when Rancher cannot be read (the engine tries again later).
 */
export async function recoverDeployment(
  ctx: DeployContext,
  deployment: Deployment,
  actions: RecoveryActions,
): Promise<void> {
  const { client } = await ctx.rancher(deployment.target.environment);
  let service;
  let health;
  try {
    const ref =
      deployment.serviceId !== undefined && deployment.projectId !== undefined
        ? { projectId: deployment.projectId, serviceId: deployment.serviceId }
        : await client.resolveService(deployment.target.stack, deployment.target.service);
    service = await client.getService(ref);
    if (service.state === "active")
      health = inspectNewContainers(service, await client.listInstances(ref), deployment.target.sidekick);
  } catch (error) {
    if (
      !(error instanceof RancherNotFoundError) &&
      !(typeof error === "object" && error !== null && "httpStatus" in error && error.httpStatus === 404)
    )
      throw error;
  }
  const plan = planRecovery(deployment, service, health);
  actions.log.info({ deploymentId: deployment.id, plan }, "recovering deployment");
  switch (plan.kind) {
    case "enqueue":
      actions.enqueue(deployment);
      return;
    case "resume":
      ctx.store.annotate(deployment.id, "note", `resumed after restart: ${plan.detail}`);
      actions.resume(deployment, plan.startAt);
      return;
    case "finish": {
      const error: DeploymentError | undefined =
        plan.errorCode === undefined ? undefined : { code: plan.errorCode, message: plan.detail };
      actions.transition(
        deployment,
        plan.state,
        `after restart: ${plan.detail}`,
        error === undefined ? { pendingAction: null } : { error, pendingAction: null },
      );
      return;
    }
    case "rollback-deployment": {
      const failed = actions.transition(deployment, "failed", `after restart: ${plan.detail}`, {
        error: { code: ERR.UNHEALTHY, message: plan.detail },
        pendingAction: null,
      });
      if (deployment.previousImage === undefined) return;
      // Recorded as Rancher ran it (`nginx:1.25`); deployments record the normalised name.
      const previous = parseImageReference(deployment.previousImage);
      if (!previous.ok) {
        ctx.store.annotate(
          failed.id,
          "note",
          `not rolled back: the previous image cannot be deployed (${previous.part}: ${previous.problem})`,
        );
        return;
      }
      const { name, tag, digest } = previous.value;
      actions.submit({
        target: deployment.target,
        image: name,
        tag: tag ?? "latest",
        ...(digest === undefined ? {} : { digest }),
        source: "recovery",
        settings: deployment.settings,
        parentId: failed.id,
      });
    }
  }
}
