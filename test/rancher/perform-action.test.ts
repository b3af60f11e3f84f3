import { describe, expect, it } from "vitest";
import { RancherApiError, type Service, type ServiceRef } from "../../src/rancher/index.js";
import { FAST_RETRY, startClientKit, upgradeTo, type ClientKit } from "./rancher-kit.js";

const FRONTEND = "registry.example.com/shop/frontend";
const NEW_IMAGE = `docker:${FRONTEND}:2.0.0`;

/** What drover passes as `isApplied` for `upgrade`: the service runs the new image and is upgrading or upgraded. */
const upgradeApplied = (service: Service): boolean =>
  service.launchConfig?.imageUuid === NEW_IMAGE && ["upgrading", "upgraded"].includes(service.state);

async function setUp(kit: ClientKit): Promise<{ ref: ServiceRef; body: Record<string, unknown> }> {
  const ref = await kit.client.resolveService("shop", "frontend");
  const body = upgradeTo(await kit.client.getService(ref), `${FRONTEND}:2.0.0`);
  kit.sim.control.clearRequests();
  return { ref, body };
}

/** The service's requests as `METHOD status` (plus the action), oldest first. */
function exchange(kit: ClientKit): string[] {
  return kit
    .requests()
    .map(
      (request) =>
        `${request.method}${request.query["action"] === undefined ? "" : ` ${String(request.query["action"])}`} ${String(request.status)}`,
    );
}

async function endsUpgradedOnce(kit: ClientKit, ref: ServiceRef): Promise<void> {
  await kit.sim.control.clock.advanceUntil(
    () => kit.sim.control.service(ref.serviceId)["state"] === "upgraded",
  );
  const service = kit.sim.control.service(ref.serviceId) as { launchConfig: { imageUuid: string } };
  expect(service.launchConfig.imageUuid).toBe(NEW_IMAGE);
  expect(kit.posts("upgrade").filter((request) => request.status === 202)).toHaveLength(1);
  // One upgrade ran: two new containers for scale 2, each replacing one old one.
  const fresh = kit.sim.control
    .instances(ref.serviceId)
    .filter((instance) => instance["imageUuid"] === NEW_IMAGE);
  expect(fresh).toHaveLength(2);
}

describe("RancherClient.performAction: never applies an action twice", () => {
  it.each([
    ["a 500", { status: 500 }, "500"],
    ["a connection reset", "reset", "reset"],
  ] as const)("after %s: reads the state, sees it not applied, posts again", async (_what, fault, status) => {
    const kit = await startClientKit();
    const { ref, body } = await setUp(kit);
    kit.sim.control.faults.failNext(1, fault);

    const service = await kit.client.performAction(ref, "upgrade", body, upgradeApplied);

    expect(service.state).toBe("upgrading");
    expect(exchange(kit)).toEqual([`POST upgrade ${status}`, "GET 200", "POST upgrade 202"]);
    await endsUpgradedOnce(kit, ref);
  });

  it("after a 409 Conflict: reads the state and posts again", async () => {
    const kit = await startClientKit();
    const { ref, body } = await setUp(kit);
    kit.sim.control.faults.failNext(1, "conflict");

    await kit.client.performAction(ref, "upgrade", body, upgradeApplied);

    expect(exchange(kit)).toEqual(["POST upgrade 409", "GET 200", "POST upgrade 202"]);
    await endsUpgradedOnce(kit, ref);
  });

  it("after a timeout on an upgrade Rancher did apply: sees it applied and does not post again", async () => {
    const kit: ClientKit = await startClientKit(
      {},
      {
        requestTimeoutMs: 500,
        // The backoff runs after the POST timed out: let the server's (slow) answer land first.
        sleep: async () => {
          kit.sim.control.faults.set({ latencyMs: 0 });
          const deadline = Date.now() + 5_000;
          while (kit.posts("upgrade").length === 0 && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 5));
        },
      },
    );
    const { ref, body } = await setUp(kit);
    kit.sim.control.faults.set({ latencyMs: 1_500 });

    const service = await kit.client.performAction(ref, "upgrade", body, upgradeApplied);

    expect(service.launchConfig?.imageUuid).toBe(NEW_IMAGE);
    expect(exchange(kit)).toEqual(["POST upgrade 202", "GET 200"]);
    await endsUpgradedOnce(kit, ref);
  });

  it("does not post again when the state moved and the action is no longer offered", async () => {
    const kit: ClientKit = await startClientKit(
      {},
      {
        sleep: () => {
          // Someone else acts on the service while drover backs off.
          kit.sim.control.forceServiceState(kit.sim.control.serviceId("shop", "frontend"), "rolling-back");
          return Promise.resolve();
        },
      },
    );
    const { ref, body } = await setUp(kit);
    kit.sim.control.faults.failNext(1, { status: 503 });

    const error = await kit.client
      .performAction(ref, "upgrade", body, upgradeApplied)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RancherApiError);
    expect((error as RancherApiError).isActionNotAvailable).toBe(true);
    expect(exchange(kit)).toEqual(["POST upgrade 503", "GET 200"]);
  });

  it("gives up after the policy's attempts when every POST conflicts", async () => {
    const kit = await startClientKit();
    const { ref, body } = await setUp(kit);
    kit.sim.control.faults.failNext(FAST_RETRY.attempts, "conflict");

    const error = await kit.client
      .performAction(ref, "upgrade", body, upgradeApplied)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ httpStatus: 409 });
    expect(kit.posts("upgrade").map((request) => request.status)).toEqual(
      Array.from({ length: FAST_RETRY.attempts }, () => 409),
    );
    expect(kit.sim.control.service(ref.serviceId)["state"]).toBe("active");
  });
});
