import { describe, expect, it } from "vitest";
import { judgeTarget, ownership } from "../../src/deploy/judge-target.js";
import { planRecovery } from "../../src/deploy/plan-recovery.js";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";
import type { Service } from "../../src/rancher/index.js";
import { PREVIOUS_IMAGE, recordedDeployment, type DeploymentOverrides } from "./recorded-deployment.js";

const N = "registry.example.com/shop/frontend:2.0.0";
const P = PREVIOUS_IMAGE;
const V0 = "0";
const V1 = "9a3c6f0e-0000-4000-8000-000000000001";
const V2 = "9a3c6f0e-0000-4000-8000-000000000002";

function deployment(state: DeploymentState, extra: DeploymentOverrides = {}): Deployment {
  return recordedDeployment(state, { previousVersion: V0, upgradeVersion: V1, ...extra });
}

function service(state: string, image: string, version: string): Service {
  return {
    id: "1s1",
    type: "service",
    state,
    links: {},
    actions: {},
    launchConfig: { imageUuid: `docker:${image}`, version },
  };
}

/** `next` upgraded by another actor *from* `from` (Rancher's in-service strategy keeps the config it upgraded from). */
function upgradedFrom(next: Service, fromImage: string, fromVersion: string): Service {
  return {
    ...next,
    upgrade: {
      type: "serviceUpgrade",
      inServiceStrategy: {
        launchConfig: next.launchConfig,
        previousLaunchConfig: { imageUuid: `docker:${fromImage}`, version: fromVersion },
      },
    },
  };
}

const healthy = { healthy: 2, expected: 2, unhealthy: 0, summary: "2/2 healthy" };

describe("ownership", () => {
  it.each([
    [{}, service("upgraded", N, V1), "drover-upgrade"],
    [{}, service("upgraded", N, V2), "foreign"],
    [{}, service("active", P, V0), "previous"],
    [{}, service("active", P, V2), "foreign"],
    [{}, service("upgrading", "other/image:9", V2), "foreign"],
    // The POST's answer not recorded yet: N on any version but the pre-upgrade one.
    [{ upgradeVersion: undefined }, service("upgrading", N, V2), "drover-upgrade"],
    // A same-image redeploy before its upgrade: N on the pre-upgrade version is the previous config.
    [{ upgradeVersion: undefined, previousImage: N }, service("active", N, V0), "previous"],
    // Recorded before versions were kept: images alone.
    [{ upgradeVersion: undefined, previousVersion: undefined }, service("upgraded", N, V2), "drover-upgrade"],
    [{ upgradeVersion: undefined, previousVersion: undefined }, service("active", P, V2), "previous"],
  ] as const)("%j with Rancher %j → %s", (extra, svc, expected) => {
    expect(ownership(deployment("verifying", extra), svc)).toBe(expected);
  });
});

describe("judgeTarget", () => {
  it.each([
    ["verifying", service("upgraded", N, V1), "ours"],
    ["verifying", service("active", N, V1), "finished-outside"],
    ["verifying", service("finishing-upgrade", N, V1), "settling-outside"],
    ["upgrading", service("active", P, V0), "rolled-back-outside"],
    ["verifying", service("rolling-back", P, V0), "settling-outside"],
    ["finishing", service("active", N, V1), "ours"],
    ["finishing", service("upgraded", N, V2), "changed-outside"],
    ["finishing", service("active", P, V0), "rolled-back-outside"],
    ["rolling-back", service("active", P, V0), "ours"],
    ["rolling-back", service("rolling-back", P, V0), "ours"],
    ["rolling-back", service("upgrading", "other/image:9", V2), "changed-outside"],
    ["upgrading", service("upgrading", N, V2), "changed-outside"],
    // drover's finish completed and another actor upgraded from drover's launch config since.
    ["finishing", upgradedFrom(service("upgrading", "other/image:9", V2), N, V1), "finished-then-changed"],
    // ...but only while finishing (the containers passed verification) and only from drover's version.
    ["verifying", upgradedFrom(service("upgrading", "other/image:9", V2), N, V1), "changed-outside"],
    ["finishing", upgradedFrom(service("upgrading", "other/image:9", V2), N, V2), "changed-outside"],
    ["finishing", upgradedFrom(service("upgrading", "other/image:9", V2), P, V0), "changed-outside"],
  ] as const)("recorded %s with Rancher %j → %s", (state, svc, expected) => {
    expect(judgeTarget(deployment(state), svc).kind).toBe(expected);
  });

  it("says what Rancher runs now when the target changed", () => {
    expect(judgeTarget(deployment("verifying"), service("upgraded", "other/image:9", V2))).toEqual({
      kind: "changed-outside",
      detail: `Rancher now runs other/image:9 (upgraded, launch config version ${V2})`,
    });
  });

  it("before the upgrade intent is recorded, preparing judges nothing", () => {
    const d = deployment("preparing", {
      upgradeVersion: undefined,
      previousVersion: undefined,
      previousImage: undefined,
    });
    expect(judgeTarget(d, service("active", "other/image:9", V2)).kind).toBe("ours");
  });
});

describe("planRecovery decides like the live run", () => {
  it.each([
    // A version drover did not create, on N: never touched (it used to be verified and finished).
    [
      "verifying",
      {},
      service("upgraded", N, V2),
      undefined,
      { kind: "finish", state: "failed", errorCode: "ERR_TARGET_CHANGED" },
    ],
    [
      "finishing",
      {},
      service("upgraded", N, V2),
      undefined,
      { kind: "finish", state: "failed", errorCode: "ERR_TARGET_CHANGED" },
    ],
    [
      "rolling-back",
      {},
      service("upgraded", "other/image:9", V2),
      undefined,
      { kind: "finish", state: "failed", errorCode: "ERR_TARGET_CHANGED" },
    ],
    [
      "upgrading",
      {},
      service("active", N, V2),
      healthy,
      { kind: "finish", state: "failed", errorCode: "ERR_TARGET_CHANGED" },
    ],
    // drover's finish completed, then another actor upgraded from it: succeeded, nothing posted.
    [
      "finishing",
      {},
      upgradedFrom(service("upgraded", "other/image:9", V2), N, V1),
      undefined,
      { kind: "finish", state: "succeeded" },
    ],
    // drover's own version: the usual table.
    ["verifying", {}, service("upgraded", N, V1), undefined, { kind: "resume", startAt: "verify" }],
    ["finishing", {}, service("upgraded", N, V1), undefined, { kind: "resume", startAt: "finish" }],
    ["verifying", {}, service("active", N, V1), healthy, { kind: "finish", state: "succeeded" }],
    // Another actor's rollback restored the pre-upgrade config (version included).
    [
      "verifying",
      {},
      service("active", P, V0),
      undefined,
      { kind: "finish", state: "rolled-back", errorCode: "ERR_TARGET_CHANGED" },
    ],
    // Another actor finishing drover's upgrade right now: verify once it settles.
    ["verifying", {}, service("finishing-upgrade", N, V1), undefined, { kind: "resume", startAt: "verify" }],
    // A same-image redeploy whose upgrade was accepted (N on a new version) is no longer prepared again.
    [
      "preparing",
      { pendingAction: "upgrade", previousImage: N, upgradeVersion: undefined },
      service("active", N, V2),
      healthy,
      { kind: "finish", state: "succeeded" },
    ],
    [
      "preparing",
      { pendingAction: "upgrade", previousImage: N, upgradeVersion: undefined },
      service("active", N, V0),
      healthy,
      { kind: "resume", startAt: "prepare" },
    ],
  ] as const)("recorded %s %j with Rancher %j → %j", (state, extra, svc, health, expected) => {
    expect(planRecovery(deployment(state, extra), svc, health)).toMatchObject(expected);
  });
});
