import { describe, expect, it } from "vitest";
import { planRecovery } from "../../src/deploy/plan-recovery.js";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import type { Service } from "../../src/rancher/index.js";
import { PREVIOUS_IMAGE, recordedDeployment } from "./recorded-deployment.js";

const N = "registry.example.com/shop/frontend:2.0.0";
const P = PREVIOUS_IMAGE;

const deployment = (state: DeploymentState, extra: Partial<Deployment> = {}): Deployment =>
  recordedDeployment(state, extra);

function service(state: string, image: string): Service {
  return {
    id: "1s1",
    type: "service",
    state,
    links: {},
    actions: {},
    launchConfig: { imageUuid: `docker:${image}` },
  };
}

const healthy = { healthy: 2, expected: 2, unhealthy: 0, summary: "2/2 healthy" };
const sick = { healthy: 0, expected: 2, unhealthy: 2, summary: "0/2 healthy" };

describe("planRecovery", () => {
  it.each([
    ["queued", {}, service("active", P), undefined, { kind: "enqueue" }],
    ["preparing", {}, service("active", P), undefined, { kind: "resume", startAt: "prepare" }],
    [
      "preparing",
      { pendingAction: "upgrade" },
      service("active", P),
      undefined,
      { kind: "resume", startAt: "prepare" },
    ],
    [
      "preparing",
      { pendingAction: "upgrade" },
      service("upgrading", N),
      undefined,
      { kind: "resume", startAt: "await-upgraded" },
    ],
    ["upgrading", {}, service("upgrading", N), undefined, { kind: "resume", startAt: "await-upgraded" }],
    ["upgrading", {}, service("upgraded", N), undefined, { kind: "resume", startAt: "verify" }],
    ["verifying", {}, service("upgraded", N), undefined, { kind: "resume", startAt: "verify" }],
    ["finishing", {}, service("upgraded", N), undefined, { kind: "resume", startAt: "finish" }],
    [
      "finishing",
      {},
      service("finishing-upgrade", N),
      undefined,
      { kind: "resume", startAt: "await-finished" },
    ],
    ["finishing", {}, service("active", N), healthy, { kind: "finish", state: "succeeded" }],
    ["verifying", {}, service("active", N), sick, { kind: "rollback-deployment" }],
    ["rolling-back", {}, service("upgraded", N), undefined, { kind: "resume", startAt: "rollback" }],
    ["rolling-back", {}, service("canceled-upgrade", N), undefined, { kind: "resume", startAt: "rollback" }],
    [
      "rolling-back",
      {},
      service("rolling-back", P),
      undefined,
      { kind: "resume", startAt: "await-rolled-back" },
    ],
    ["rolling-back", {}, service("active", P), undefined, { kind: "finish", state: "rolled-back" }],
    [
      "verifying",
      {},
      service("active", P),
      undefined,
      { kind: "finish", state: "rolled-back", errorCode: "ERR_TARGET_CHANGED" },
    ],
    ["upgrading", {}, service("canceled-upgrade", N), undefined, { kind: "resume", startAt: "rollback" }],
    [
      "verifying",
      {},
      service("active", "other/image:9"),
      undefined,
      { kind: "finish", state: "failed", errorCode: "ERR_TARGET_CHANGED" },
    ],
    [
      "upgrading",
      {},
      undefined,
      undefined,
      { kind: "finish", state: "failed", errorCode: "ERR_TARGET_CHANGED" },
    ],
    // Same-image redeploy (P = N, re-pulled): "active on N" proves nothing before the upgrade was accepted.
    [
      "preparing",
      { pendingAction: "upgrade", previousImage: N },
      service("active", N),
      healthy,
      { kind: "resume", startAt: "prepare" },
    ],
    [
      "preparing",
      { pendingAction: "upgrade", previousImage: N },
      service("active", N),
      sick,
      { kind: "resume", startAt: "prepare" },
    ],
    [
      "preparing",
      { previousImage: N },
      service("active", N),
      healthy,
      { kind: "resume", startAt: "prepare" },
    ],
    [
      "preparing",
      { pendingAction: "upgrade", previousImage: N },
      service("upgrading", N),
      undefined,
      { kind: "resume", startAt: "await-upgraded" },
    ],
    // Once the upgrade was accepted (upgrading and later) the same-image rules are the usual ones.
    [
      "upgrading",
      { previousImage: N },
      service("active", N),
      healthy,
      { kind: "finish", state: "succeeded" },
    ],
    [
      "verifying",
      { previousImage: N },
      service("upgraded", N),
      undefined,
      { kind: "resume", startAt: "verify" },
    ],
    [
      "rolling-back",
      { previousImage: N },
      service("active", N),
      undefined,
      { kind: "finish", state: "rolled-back" },
    ],
  ] as const)("recorded %s %j with Rancher %j → %j", (state, extra, svc, health, expected) => {
    const plan = planRecovery(deployment(state, extra), svc, health);

    expect(plan).toMatchObject(expected);
  });

  it("a same-tag redeploy killed after 'about to POST upgrade' but before the POST is prepared again, not succeeded", () => {
    const latest = "registry.example.com/shop/frontend:latest";
    const d = deployment("preparing", { tag: "latest", pendingAction: "upgrade", previousImage: latest });

    expect(planRecovery(d, service("active", latest), healthy)).toEqual({
      kind: "resume",
      startAt: "prepare",
      detail:
        "same-image redeploy: the service active on that image does not show the upgrade was posted; preparing again",
    });
  });

  it("uses the sidekick's launch config when the target is a sidekick", () => {
    const svc: Service = {
      ...service("upgraded", "registry.example.com/shop/frontend:1.0.0"),
      secondaryLaunchConfigs: [{ name: "nginx", imageUuid: "docker:nginx:1.27" }],
    };
    const d = deployment("upgrading", {
      target: { environment: "demo", stack: "shop", service: "frontend", sidekick: "nginx" },
      image: "docker.io/library/nginx",
      tag: "1.27",
      previousImage: "nginx:1.25",
    });

    expect(planRecovery({ ...d, image: "nginx" }, svc)).toMatchObject({ kind: "resume", startAt: "verify" });
  });
});
