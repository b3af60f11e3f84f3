import { describe, expect, it } from "vitest";
import {
  RancherApiError,
  RancherAuthError,
  RancherUnavailableError,
  type Service,
} from "../../src/rancher/index.js";
import type { SeedInput } from "../../src/simulator/index.js";
import { FAST_RETRY, startClientKit, upgradeTo } from "./rancher-kit.js";

const ACCESS_KEY = "AK-4f1c9e2b7d";
const SECRET_KEY = "SK-very-secret-8a7b6c5d4e3f";

const TWO_PROJECTS: SeedInput = {
  projects: [
    { id: "1a5", name: "Default", stacks: [{ name: "shop", services: [{ name: "web", image: "x/web:1" }] }] },
    { id: "1a9", name: "Other" },
  ],
  keys: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY, project: "1a5" }],
};

describe("RancherClient: errors", () => {
  it("parses a validation error (422 ActionNotAvailable, fieldName) and does not retry it", async () => {
    const kit = await startClientKit();
    const ref = await kit.client.resolveService("shop", "frontend");
    kit.sim.control.clearRequests();

    const error = await kit.client
      .performAction(ref, "finishupgrade", {}, () => false)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherApiError);
    expect(error).toMatchObject({ httpStatus: 422, rancherCode: "ActionNotAvailable", fieldName: "action" });
    expect((error as RancherApiError).isActionNotAvailable).toBe(true);
    expect(kit.requests().map((request) => `${request.method} ${String(request.status)}`)).toEqual([
      "POST 422",
    ]);
  });

  it("parses an upgrade body error: an image without docker: is 422 InvalidReference on imageUuid", async () => {
    const kit = await startClientKit();
    const ref = await kit.client.resolveService("shop", "frontend");
    const service = await kit.client.getService(ref);
    const body = upgradeTo(service, "ignored") as { inServiceStrategy: { launchConfig: object } };
    body.inServiceStrategy.launchConfig = {
      ...body.inServiceStrategy.launchConfig,
      imageUuid: "registry.example.com/shop/frontend:2.0.0",
    };

    const error = await kit.client.performAction(ref, "upgrade", body, () => false).catch((e: unknown) => e);

    expect(error).toMatchObject({ httpStatus: 422, rancherCode: "InvalidReference", fieldName: "imageUuid" });
    expect((await kit.client.getService(ref)).state).toBe("active");
  });

  it("keeps the sentence Cattle's upgrade filters put in fieldName", async () => {
    const kit = await startClientKit({
      seed: {
        projects: [
          {
            id: "1a5",
            name: "Default",
            stacks: [{ name: "shop", services: [{ name: "web", image: "x/web:1", retainIp: true }] }],
          },
        ],
        keys: [{ accessKey: "k", secretKey: "s", project: "1a5" }],
      },
    });
    const ref = await kit.client.resolveService("shop", "web");
    const service: Service = await kit.client.getService(ref);
    const body = upgradeTo(service, "x/web:2") as { inServiceStrategy: Record<string, unknown> };
    body.inServiceStrategy["startFirst"] = true;

    const error = await kit.client.performAction(ref, "upgrade", body, () => false).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherApiError);
    expect((error as RancherApiError).httpStatus).toBe(422);
    expect((error as RancherApiError).fieldName).toMatch(/StartFirst option can't be used/);
    expect((error as RancherApiError).message).toContain("StartFirst option");
  });

  it("fails fast on 401 with the environment named and no key in the message or logs", async () => {
    const kit = await startClientKit({ seed: TWO_PROJECTS }, { secretKey: "wrong-secret-value" });

    const error = await kit.client.resolveService("shop", "web").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherAuthError);
    const message = (error as Error).message;
    expect(message).toContain('environment "staging"');
    expect(message).toMatch(/401/);
    for (const secret of [ACCESS_KEY, SECRET_KEY, "wrong-secret-value"]) {
      expect(message).not.toContain(secret);
      expect(kit.logs.text()).not.toContain(secret);
    }
    expect(kit.requests().map((request) => request.status)).toEqual([401]);
  });

  it("fails fast on 403 (a project the key may not use), naming the environment, not the keys", async () => {
    const kit = await startClientKit({ seed: TWO_PROJECTS }, { project: "1a9" });

    const error = await kit.client.resolveService("shop", "web").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherAuthError);
    const message = (error as Error).message;
    expect(message).toContain('environment "staging"');
    expect(message).toMatch(/403/);
    expect(message).not.toContain(ACCESS_KEY);
    expect(message).not.toContain(SECRET_KEY);
    expect(kit.logs.text()).not.toContain(SECRET_KEY);
    expect(kit.requests().map((request) => request.status)).toEqual([403]);
  });
});

describe("RancherClient: GET retries", () => {
  it("retries a GET through 503s and connection resets, with capped jittered backoff", async () => {
    const kit = await startClientKit();
    const ref = await kit.client.resolveService("shop", "frontend");
    kit.sim.control.clearRequests();
    kit.sim.control.faults.failNext(1, { status: 503 });
    kit.sim.control.faults.failNext(1, "reset");
    kit.sim.control.faults.failNext(1, { status: 500 });

    const service = await kit.client.getService(ref);

    expect(service.state).toBe("active");
    expect(kit.requests().map((request) => request.status)).toEqual([503, "reset", 500, 200]);
    expect(kit.sleeps).toHaveLength(3);
    kit.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(FAST_RETRY.maxDelayMs, FAST_RETRY.baseDelayMs * 2 ** i));
    });
  });

  it("gives up after the policy's attempts with RancherUnavailableError", async () => {
    const kit = await startClientKit();
    const ref = await kit.client.resolveService("shop", "frontend");
    kit.sim.control.clearRequests();
    kit.sim.control.faults.failNext(FAST_RETRY.attempts + 2, { status: 502 });

    const error = await kit.client.getService(ref).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherUnavailableError);
    expect((error as Error).message).toMatch(/502/);
    expect(kit.requests()).toHaveLength(FAST_RETRY.attempts);
    expect(kit.sleeps).toHaveLength(FAST_RETRY.attempts - 1);
  });

  it("does not retry a 404", async () => {
    const kit = await startClientKit();
    kit.sim.control.clearRequests();

    await expect(kit.client.getService({ projectId: "1a5", serviceId: "1s404" })).rejects.toMatchObject({
      httpStatus: 404,
    });
    expect(kit.requests()).toHaveLength(1);
    expect(kit.sleeps).toHaveLength(0);
  });
});
