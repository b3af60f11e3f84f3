import type { Logger } from "pino";
import type { Deployment, DeploymentError, DeploymentState } from "../domain/index.js";
import {
  RancherApiError,
  RancherAuthError,
  RancherNotFoundError,
  RancherTimeoutError,
  UPGRADEABLE_STATES,
  waitForService,
  type Service,
  type ServiceRef,
} from "../rancher/index.js";
import type { DeploymentPatch } from "../store/index.js";
import type { DeployContext, RancherTarget } from "./deploy-context.js";
import { DeploymentFailure, ERR } from "./deployment-failure.js";
import { probeHttp } from "./probe-http.js";
import {
  buildUpgradeBody,
  currentImage,
  deploymentImage,
  inspectNewContainers,
  isMutableTag,
  targetLaunchConfig,
  TRANSITIONING_STATES,
} from "./service-inspection.js";

/** Where a run starts: the beginning, or a later step when resuming after a restart (spec §3.1). */
export type StartStep =
  "prepare" | "await-upgraded" | "verify" | "finish" | "await-finished" | "rollback" | "await-rolled-back";

export interface RunOptions {
  readonly startAt?: StartStep;
  /** Aborted by an operator cancel. */
  readonly signal: AbortSignal;
  /** Aborted when the process shuts down: the run stops where it is, non-terminal, for recovery. */
  readonly shutdown?: AbortSignal;
  /** Why a resumed rollback happens. */
  readonly reason?: DeploymentError;
}

const DEFAULT_VERIFY_INTERVAL_MS = 1_000;
const MAX_PREPARE_ROUNDS = 3;

/**
 * Runs one deployment to a terminal state (product spec §3): preparing → upgrading → verifying →
 * finishing → succeeded, or rolling-back → rolled-back, or failed/canceled. Every step is persisted
 * before the Rancher action it describes; decisions are taken from Rancher's state, never memory.
 */
export async function runDeployment(
  ctx: DeployContext,
  deployment: Deployment,
  options: RunOptions,
): Promise<Deployment> {
  return new DeploymentRun(ctx, deployment, options).run();
}

class DeploymentRun {
  #d: Deployment;
  readonly #ctx: DeployContext;
  readonly #options: RunOptions;
  readonly #log: Logger;
  readonly #image: string;
  #rancher!: RancherTarget;
  #ref!: ServiceRef;
  #upgradePosted = false;
  #lastRancherError: string | undefined;

  constructor(ctx: DeployContext, deployment: Deployment, options: RunOptions) {
    this.#ctx = ctx;
    this.#d = deployment;
    this.#options = options;
    this.#image = deploymentImage(deployment);
    this.#log = ctx.logger.child({ deploymentId: deployment.id, target: deployment.targetKey });
  }

  async run(): Promise<Deployment> {
    const start = this.#options.startAt ?? "prepare";
    this.#upgradePosted = start !== "prepare";
    try {
      this.#rancher = await this.#ctx.rancher(this.#d.target.environment);
      this.#ref = await this.#resolve(false);
      switch (start) {
        case "prepare":
          return await this.#fromPrepare();
        case "await-upgraded":
          return await this.#fromAwaitUpgraded();
        case "verify":
          return await this.#fromVerify();
        case "finish":
          return await this.#fromFinish();
        case "await-finished":
          return await this.#awaitFinished();
        case "rollback":
        case "await-rolled-back":
          return await this.#rollBack(
            this.#options.reason ?? { code: ERR.RESUMED, message: "rollback resumed after restart" },
            "failure",
          );
      }
    } catch (error) {
      return this.#onError(error);
    }
  }

  async #fromPrepare(): Promise<Deployment> {
    let service = await this.#getService();
    if (this.#d.state === "queued") {
      const skip = this.#skipReason(service);
      if (skip !== undefined) return await this.#move("skipped", skip);
      await this.#move("preparing", "preparing", {
        startedAt: new Date(this.#ctx.now()).toISOString(),
        projectId: this.#ref.projectId,
        serviceId: this.#ref.serviceId,
      });
    }
    for (let round = 1; ; round += 1) {
      service = await this.#settle(service);
      if (!UPGRADEABLE_STATES.has(service.state)) {
        throw new DeploymentFailure(
          ERR.SERVICE_STATE,
          `service is ${service.state}; it cannot be upgraded from there`,
        );
      }
      if (targetLaunchConfig(service, this.#d.target.sidekick) === undefined) {
        throw new DeploymentFailure(
          ERR.TARGET,
          `sidekick "${this.#d.target.sidekick ?? ""}" not found in service ${this.#d.target.service}`,
        );
      }
      const previous = currentImage(service, this.#d.target.sidekick);
      await this.#annotate(
        "action",
        "about to POST upgrade",
        { pendingAction: "upgrade", ...(previous === undefined ? {} : { previousImage: previous }) },
        { from: previous, to: this.#image },
      );
      this.#checkCanceled();
      const body = buildUpgradeBody({
        service,
        sidekick: this.#d.target.sidekick,
        image: this.#image,
        strategy: this.#d.settings.strategy,
        forcePull: previous === this.#image || isMutableTag(this.#d.tag),
      });
      try {
        this.#upgradePosted = true;
        await this.#rancher.client.performAction(
          this.#ref,
          "upgrade",
          body,
          (s) => this.#runsNew(s) && (s.state === "upgrading" || s.state === "upgraded"),
        );
        break;
      } catch (error) {
        if (!(error instanceof RancherApiError) || !error.isActionNotAvailable || round >= MAX_PREPARE_ROUNDS)
          throw error;
        service = await this.#getService();
        if (this.#runsNew(service) && (service.state === "upgrading" || service.state === "upgraded")) break;
        this.#upgradePosted = false;
        await this.#annotate(
          "note",
          `service moved to ${service.state} before the upgrade was accepted; preparing again`,
          { pendingAction: null },
        );
      }
    }
    await this.#move("upgrading", "upgrade accepted", { pendingAction: null });
    return this.#fromAwaitUpgraded();
  }

  async #fromAwaitUpgraded(): Promise<Deployment> {
    const since = Date.parse(this.#d.updatedAt);
    let service: Service;
    try {
      service = await this.#wait(
        "upgraded",
        since + this.#d.settings.upgradeTimeoutMs,
        (s) => !TRANSITIONING_STATES.has(s.state),
      );
    } catch (error) {
      if (error instanceof RancherTimeoutError)
        return this.#rollBack(
          { code: ERR.UPGRADE_TIMEOUT, message: `upgrade did not complete: ${error.message}` },
          "failure",
        );
      throw error;
    }
    if (service.state === "upgraded" && this.#runsNew(service)) return this.#fromVerify();
    if (
      !this.#runsNew(service) &&
      currentImage(service, this.#d.target.sidekick) === this.#d.previousImage &&
      service.state === "active"
    ) {
      return this.#move("rolled-back", "the service was rolled back outside drover", {
        error: { code: ERR.EXTERNAL, message: "rolled back by someone else" },
      });
    }
    return this.#rollBack(
      { code: ERR.SERVICE_STATE, message: `upgrade ended in unexpected state ${service.state}` },
      "failure",
    );
  }

  async #fromVerify(): Promise<Deployment> {
    if (this.#d.state !== "verifying")
      await this.#move("verifying", "service upgraded; checking the new containers");
    const { soakMs, timeoutMs, http } = this.#d.settings.verify;
    const started = this.#ctx.now();
    const interval = this.#ctx.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS;
    let healthySince: number | undefined;
    let lastSummary = "";
    for (;;) {
      this.#checkCanceled();
      const service = await this.#getService();
      if (service.state !== "upgraded" || !this.#runsNew(service)) {
        return this.#rollBack(
          {
            code: ERR.SERVICE_STATE,
            message: `service left upgraded while verifying (now ${service.state})`,
          },
          "failure",
        );
      }
      const report = inspectNewContainers(
        service,
        await this.#rancher.client.listInstances(this.#ref),
        this.#d.target.sidekick,
      );
      if (report.summary !== lastSummary) {
        lastSummary = report.summary;
        await this.#annotate("note", `health: ${report.summary}`);
      }
      if (report.unhealthy > 0)
        return this.#rollBack(
          { code: ERR.UNHEALTHY, message: `new containers unhealthy: ${report.summary}` },
          "failure",
        );
      let ok = report.healthy >= report.expected;
      if (ok && http !== undefined) {
        const probe = await probeHttp(this.#ctx.fetch, http);
        if (!probe.ok) await this.#annotate("note", `http probe: ${probe.detail}`);
        ok = probe.ok;
      }
      const now = this.#ctx.now();
      healthySince = ok ? (healthySince ?? now) : undefined;
      if (healthySince !== undefined && now - healthySince >= soakMs) break;
      if (now - started >= timeoutMs) {
        return this.#rollBack(
          {
            code: ERR.VERIFY_TIMEOUT,
            message: `not healthy for ${soakMs} ms within ${timeoutMs} ms: ${report.summary}`,
          },
          "failure",
        );
      }
      await this.#ctx.sleep(interval);
    }
    await this.#annotate("note", `healthy for the whole soak (${soakMs} ms)`);
    return this.#fromFinish();
  }

  async #fromFinish(): Promise<Deployment> {
    if (this.#d.state !== "finishing")
      await this.#move("finishing", "about to POST finishupgrade", { pendingAction: "finishupgrade" });
    this.#checkCanceled();
    try {
      await this.#rancher.client.performAction(
        this.#ref,
        "finishupgrade",
        {},
        (s) => this.#runsNew(s) && (s.state === "finishing-upgrade" || s.state === "active"),
      );
    } catch (error) {
      if (!(error instanceof RancherApiError) || !error.isActionNotAvailable) throw error;
      const service = await this.#getService();
      if (!(
        this.#runsNew(service) &&
        (service.state === "active" || service.state === "finishing-upgrade")
      )) {
        return this.#rollBack(
          { code: ERR.SERVICE_STATE, message: `finishupgrade refused in state ${service.state}` },
          "failure",
        );
      }
    }
    await this.#annotate("action", "finishupgrade accepted", { pendingAction: null });
    return this.#awaitFinished();
  }

  async #awaitFinished(): Promise<Deployment> {
    try {
      const service = await this.#wait(
        "active",
        this.#ctx.now() + this.#d.settings.upgradeTimeoutMs,
        (s) => s.state === "active" || !TRANSITIONING_STATES.has(s.state),
      );
      if (service.state === "active" && this.#runsNew(service))
        return await this.#move("succeeded", "upgrade finished; service active on the new image");
      return await this.#rollBack(
        { code: ERR.SERVICE_STATE, message: `finish ended in state ${service.state}` },
        "failure",
      );
    } catch (error) {
      if (error instanceof RancherTimeoutError)
        return this.#rollBack(
          { code: ERR.FINISH_TIMEOUT, message: `finish did not complete: ${error.message}` },
          "failure",
        );
      throw error;
    }
  }

  /** Rolls back (or leaves the service, with `onFailure: leave`) and ends rolled-back, canceled or failed. */
  async #rollBack(reason: DeploymentError, cause: "failure" | "cancel"): Promise<Deployment> {
    const final: DeploymentState = cause === "cancel" ? "canceled" : "rolled-back";
    if (cause === "failure" && this.#d.settings.onFailure === "leave") {
      return this.#move("failed", `${reason.message}; left in place (onFailure: leave)`, {
        error: reason,
        pendingAction: null,
      });
    }
    if (this.#d.state !== "rolling-back")
      await this.#move("rolling-back", `rolling back: ${reason.message}`, {
        error: reason,
        pendingAction: "rollback",
      });
    try {
      let service = await this.#getService();
      if (service.state === "finishing-upgrade") {
        await this.#rancher.client.performAction(
          this.#ref,
          "cancelupgrade",
          {},
          (s) => s.state === "canceling-upgrade" || s.state === "canceled-upgrade",
        );
        service = await this.#wait(
          "canceled-upgrade",
          this.#ctx.now() + this.#d.settings.upgradeTimeoutMs,
          (s) => s.state !== "canceling-upgrade" && s.state !== "finishing-upgrade",
        );
      }
      if (
        service.state === "upgrading" ||
        service.state === "upgraded" ||
        service.state === "canceled-upgrade"
      ) {
        await this.#rancher.client.performAction(
          this.#ref,
          "rollback",
          {},
          (s) => s.state === "rolling-back" || (s.state === "active" && !this.#runsNew(s)),
        );
        await this.#annotate("action", "rollback accepted", { pendingAction: null });
      }
      service = await this.#wait(
        "active",
        this.#ctx.now() + this.#d.settings.upgradeTimeoutMs,
        (s) => !TRANSITIONING_STATES.has(s.state),
      );
      if (service.state === "active" && !this.#runsNew(service)) {
        const image = currentImage(service, this.#d.target.sidekick) ?? "unknown";
        return await this.#move(final, `rolled back; service active on ${image}`, {
          pendingAction: null,
          ...(cause === "cancel" ? { error: reason } : {}),
        });
      }
      throw new DeploymentFailure(ERR.ROLLBACK, `rollback ended in state ${service.state}`);
    } catch (error) {
      if (this.#options.shutdown?.aborted === true) return this.#d;
      const message = error instanceof Error ? error.message : String(error);
      this.#log.error({ err: error }, "rollback failed");
      return this.#move("failed", `could not reach a safe state: ${message}`, {
        error: { code: ERR.ROLLBACK, message: `${reason.message}; rollback failed: ${message}` },
        pendingAction: null,
      });
    }
  }

  async #onError(error: unknown): Promise<Deployment> {
    if (this.#options.shutdown?.aborted === true) {
      this.#log.info({ state: this.#d.state }, "stopped by shutdown; will resume after restart");
      return this.#d;
    }
    const aborted = this.#options.signal.aborted;
    if (aborted) {
      const reason = { code: ERR.CANCELED, message: "canceled by an operator" };
      if (!this.#upgradePosted || this.#d.state === "queued")
        return this.#move("canceled", "canceled before any change to the service", {
          error: reason,
          pendingAction: null,
        });
      return this.#rollBack(reason, "cancel");
    }
    const failure = toFailure(error);
    if (failure.code === ERR.INTERNAL) this.#log.error({ err: error }, "deployment failed unexpectedly");
    const stopEarly = error instanceof RancherAuthError || error instanceof RancherNotFoundError;
    if (this.#upgradePosted && !stopEarly && this.#d.state !== "rolling-back")
      return this.#rollBack(failure, "failure");
    return this.#move("failed", failure.message, { error: failure, pendingAction: null });
  }

  /** Waits out transitions and deals with leftovers (`upgraded`, `canceled-upgrade`) from earlier upgrades. */
  async #settle(initial: Service): Promise<Service> {
    let service = initial;
    for (let round = 0; round < 4; round += 1) {
      if (TRANSITIONING_STATES.has(service.state)) {
        await this.#annotate("note", `service is ${service.state}; waiting for it to settle`);
        service = await this.#wait(
          "a stable state",
          this.#ctx.now() + this.#d.settings.upgradeTimeoutMs,
          (s) => !TRANSITIONING_STATES.has(s.state),
        );
      } else if (service.state === "upgraded") {
        const report = inspectNewContainers(
          service,
          await this.#rancher.client.listInstances(this.#ref),
          this.#d.target.sidekick,
        );
        const finish =
          report.healthy >= report.expected &&
          report.unhealthy === 0 &&
          this.#d.settings.onUpgradedLeftover === "finish";
        const action = finish ? "finishupgrade" : "rollback";
        await this.#annotate(
          "action",
          `service left upgraded by an earlier upgrade (${report.summary}); about to POST ${action}`,
        );
        await this.#rancher.client.performAction(this.#ref, action, {}, (s) => s.state !== "upgraded");
        service = await this.#wait(
          "active",
          this.#ctx.now() + this.#d.settings.upgradeTimeoutMs,
          (s) => !TRANSITIONING_STATES.has(s.state),
        );
      } else if (service.state === "canceled-upgrade") {
        await this.#annotate("action", "service left canceled-upgrade; about to POST rollback");
        await this.#rancher.client.performAction(
          this.#ref,
          "rollback",
          {},
          (s) => s.state !== "canceled-upgrade",
        );
        service = await this.#wait(
          "active",
          this.#ctx.now() + this.#d.settings.upgradeTimeoutMs,
          (s) => !TRANSITIONING_STATES.has(s.state),
        );
      } else {
        return service;
      }
    }
    return service;
  }

  #skipReason(service: Service): string | undefined {
    if (
      this.#d.digest === undefined ||
      service.state !== "active" ||
      currentImage(service, this.#d.target.sidekick) !== this.#image
    )
      return undefined;
    const last = this.#ctx.store.list({ targetKey: this.#d.targetKey, states: ["succeeded"], limit: 1 })
      .items[0];
    if (last === undefined || last.digest !== this.#d.digest || deploymentImage(last) !== this.#image)
      return undefined;
    return `target already runs ${this.#image}@${this.#d.digest} (deployment ${last.id})`;
  }

  #runsNew(service: Service): boolean {
    return currentImage(service, this.#d.target.sidekick) === this.#image;
  }

  async #resolve(fresh: boolean): Promise<ServiceRef> {
    const { stack, service } = this.#d.target;
    return this.#rancher.client.resolveService(stack, service, fresh);
  }

  async #getService(): Promise<Service> {
    try {
      return await this.#rancher.client.getService(this.#ref);
    } catch (error) {
      if (!(error instanceof RancherApiError) || error.httpStatus !== 404) throw error;
      this.#ref = await this.#resolve(true);
      return this.#rancher.client.getService(this.#ref);
    }
  }

  #wait(expected: string, deadlineAt: number, until: (service: Service) => boolean): Promise<Service> {
    return waitForService({
      client: this.#rancher.client,
      ref: this.#ref,
      events: this.#rancher.events,
      until,
      expected,
      deadlineAt,
      now: this.#ctx.now,
      sleep: this.#ctx.sleep,
      logger: this.#log,
      signal: this.#waitSignal(),
      onObserve: (service) => {
        if (service.transitioning === "error" && service.transitioningMessage !== this.#lastRancherError) {
          this.#lastRancherError = service.transitioningMessage ?? "";
          void this.#annotate(
            "note",
            `Rancher reports an error (not terminal before the deadline): ${this.#lastRancherError}`,
          );
        }
      },
    });
  }

  #checkCanceled(): void {
    this.#options.shutdown?.throwIfAborted();
    this.#options.signal.throwIfAborted();
  }

  /** Waits stop on shutdown always, and on cancel unless already rolling back. */
  #waitSignal(): AbortSignal | undefined {
    const signals = [
      this.#options.shutdown,
      this.#d.state === "rolling-back" ? undefined : this.#options.signal,
    ].filter((signal): signal is AbortSignal => signal !== undefined);
    return signals.length === 0 ? undefined : AbortSignal.any(signals);
  }

  async #move(to: DeploymentState, detail: string, patch?: DeploymentPatch): Promise<Deployment> {
    this.#d = this.#ctx.store.transition({
      id: this.#d.id,
      from: this.#d.state,
      to,
      detail,
      ...(patch === undefined ? {} : { patch }),
    });
    this.#log.info({ state: to, detail }, "deployment state changed");
    this.#ctx.onEvent?.(this.#d, { kind: "transition", state: to, detail });
    return Promise.resolve(this.#d);
  }

  async #annotate(
    kind: "action" | "note",
    detail: string,
    patch?: DeploymentPatch,
    data?: Record<string, unknown>,
  ): Promise<void> {
    this.#d = this.#ctx.store.annotate(this.#d.id, kind, detail, patch, data);
    this.#log.debug({ kind, detail }, "deployment event");
    this.#ctx.onEvent?.(this.#d, { kind, state: this.#d.state, detail });
    return Promise.resolve();
  }
}

function toFailure(error: unknown): DeploymentError {
  if (error instanceof DeploymentFailure) return { code: error.failureCode, message: error.message };
  if (error instanceof RancherAuthError) return { code: error.code, message: error.message };
  if (error instanceof RancherNotFoundError) return { code: error.code, message: error.message };
  if (error instanceof RancherApiError) return { code: error.code, message: error.message };
  if (error instanceof RancherTimeoutError) return { code: error.code, message: error.message };
  if (
    error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    error.code.startsWith("ERR_")
  ) {
    return { code: error.code, message: error.message };
  }
  return { code: ERR.INTERNAL, message: "unexpected error (see the log)" };
}
