/**
 * A real Distribution registry (Debian `docker-registry` 2.8) notifies a real, listening drover
 * (in-process, in-process Rancher simulator) about images built with umoci and pushed with skopeo.
 * The tools are installed by `.ci/run`; when one is missing this suite fails (never skips).
 */
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { captureLogs } from "../helpers/capture-logs.js";
import {
  buildOciImage,
  freePort,
  portOf,
  pushImage,
  requireRegistryTools,
  startNotificationProxy,
  startRegistry,
  waitFor,
  type Delivery,
  type NotificationProxy,
  type RunningRegistry,
} from "../helpers/registry-tools.js";
import { createTestApp } from "../helpers/test-app.js";

const BEARER = "real-registry-e2e-bearer-0123456789";
const REPOSITORY = "team/api";
const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
const DEPLOY_TIMEOUT_MS = 30_000;
const DELIVERY_TIMEOUT_MS = 15_000;

/** drover's mapping file: the rule names the registry as pushers address it (`request.host`). */
function droverConfig(registryHost: string): string {
  return `
storage: { path: ":memory:" }
server:
  rateLimit: { window: 1m, max: 100000 }
environments:
  demo: { simulator: default, timeScale: 0.02 }
sources:
  registry: { bearer: "${BEARER}" }
defaults:
  strategy: { batchSize: 1, intervalMillis: 100 }
  upgradeTimeout: 20s
  verify: { soak: 300ms, timeout: 10s }
rules:
  - image: ${registryHost}/${REPOSITORY}
    tags: { semver: ">=1.0.0" }
    targets:
      - { environment: demo, stack: shop, service: worker }
`;
}

interface DroverAnswer {
  readonly deployments: readonly { readonly id: string; readonly image: string; readonly target: string }[];
  readonly ignored?: string;
  readonly duplicate?: boolean;
}

let dir = "";
let app: App | undefined;
let server: Server | undefined;
let proxy: NotificationProxy | undefined;
let registry: RunningRegistry | undefined;
let logs: ReturnType<typeof captureLogs> | undefined;
/** Why the set-up failed: each test then fails with it (a failed hook alone would report them skipped). */
let setupError: Error | undefined;

const layout = (): string => join(dir, "img");

/** Everything a failing wait should show: deliveries, registry log tail, drover warnings. */
function diagnostics(): string {
  const droverLines = (logs?.lines() ?? [])
    .filter((line) => Number(line["level"]) >= 40)
    .slice(-20)
    .map((line) => JSON.stringify(line));
  return [
    `deliveries:\n${proxy?.describe() ?? "(no proxy)"}`,
    `drover warnings:\n${droverLines.join("\n")}`,
    `registry log (tail):\n${registry?.logs().slice(-4_000) ?? "(no registry)"}`,
  ].join("\n");
}

function running(): { app: App; proxy: NotificationProxy; registry: RunningRegistry } {
  if (setupError !== undefined) throw setupError;
  if (app === undefined || proxy === undefined || registry === undefined) {
    throw new Error("the registry/drover set-up did not complete (see the beforeAll error)");
  }
  return { app, proxy, registry };
}

/** Deliveries carrying the manifest push of `tag`. */
function manifestDeliveries(tag: string): Delivery[] {
  return running().proxy.deliveries.filter((delivery) =>
    delivery.events.some((event) => event.action === "push" && event.tag === tag),
  );
}

/** Waits until drover answered the registry's manifest-push notification of `tag` at least `count` times. */
async function droverSawManifest(tag: string, count = 1): Promise<Delivery[]> {
  return waitFor(
    () => {
      const seen = manifestDeliveries(tag).filter((delivery) => delivery.drover !== undefined);
      return seen.length >= count ? seen : undefined;
    },
    DELIVERY_TIMEOUT_MS,
    `${count} delivery(ies) of the manifest push of ${REPOSITORY}:${tag} to reach drover`,
    diagnostics,
  );
}

async function workerService(): Promise<{ state: string; imageUuid: string | undefined }> {
  const { client } = await running().app.core.pool.get("demo");
  const ref = await client.resolveService("shop", "worker");
  const service = await client.getService(ref);
  return { state: service.state ?? "", imageUuid: service.launchConfig?.imageUuid ?? undefined };
}

async function push(tag: string): Promise<string> {
  await buildOciImage(layout(), tag, `release ${tag}`);
  return pushImage(layout(), tag, `${running().registry.host}/${REPOSITORY}:${tag}`);
}

describe("real Distribution registry → drover (docker-registry, umoci, skopeo)", () => {
  beforeAll(async () => {
    try {
      await setUp();
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
    await proxy?.close();
    if (server !== undefined) {
      server.closeAllConnections();
      server.close();
    }
    await app?.close();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  async function setUp(): Promise<void> {
    requireRegistryTools();
    dir = mkdtempSync(join(tmpdir(), "drover-real-registry-"));
    const registryPort = await freePort();
    const registryHost = `127.0.0.1:${registryPort}`;

    logs = captureLogs("info");
    app = createTestApp(droverConfig(registryHost), { logs }).app;
    await app.start();
    server = createServer(app.http);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");

    proxy = await startNotificationProxy(`http://127.0.0.1:${portOf(server)}`);
    registry = await startRegistry({
      dir: join(dir, "registry"),
      port: registryPort,
      endpoint: {
        name: "drover",
        url: `${proxy.url}/hooks/registry`,
        bearer: BEARER,
        timeout: "2s",
        threshold: 1,
        backoff: "1s",
      },
    });
  }

  it("deploys a pushed tag that a rule matches: the service ends active on that image and digest", async () => {
    const { app: drover, registry: reg } = running();
    const before = await workerService();

    const digest = await push("1.0.1");
    const [delivery] = await droverSawManifest("1.0.1");
    const answer = delivery?.drover?.body as DroverAnswer;
    const id = answer.deployments[0]?.id ?? "";
    const [done] = await drover.core.engine.waitForTerminal([id], DEPLOY_TIMEOUT_MS);
    const after = await workerService();

    expect(delivery?.drover?.status, diagnostics()).toBe(202);
    expect(delivery?.answered).toBe(202);
    expect(delivery?.headers["content-type"]).toBe("application/vnd.docker.distribution.events.v1+json");
    expect(delivery?.events[0]?.requestHost).toBe(reg.host);
    expect(answer.deployments).toEqual([
      expect.objectContaining({ target: "demo/shop/worker", image: `${reg.host}/${REPOSITORY}:1.0.1` }),
    ]);
    expect(done?.state, `deployment ${id} did not succeed in time\n${diagnostics()}`).toBe("succeeded");
    expect(done?.digest).toBe(digest);
    expect(delivery?.events[0]?.digest).toBe(digest);
    expect(before.imageUuid).not.toBe(`docker:${reg.host}/${REPOSITORY}:1.0.1`);
    expect(after).toEqual({ state: "active", imageUuid: `docker:${reg.host}/${REPOSITORY}:1.0.1` });
    // The layer and config blobs were notified too, acknowledged with 200 and ignored.
    const blobs = running().proxy.deliveries.filter((d) =>
      d.events.some((e) => e.mediaType === "application/octet-stream"),
    );
    expect(blobs.length).toBeGreaterThanOrEqual(2);
    for (const blob of blobs) {
      expect(blob.drover?.status).toBe(200);
      expect((blob.drover?.body as DroverAnswer).ignored).toMatch(/blob push/);
    }
    expect(drover.core.store.list({ limit: 50 }).items).toHaveLength(1);
  }, 60_000);

  it("acknowledges a push of a tag no rule matches and changes nothing", async () => {
    const { app: drover } = running();
    const before = await workerService();
    const deploymentsBefore = drover.core.store.list({ limit: 50 }).items.length;

    const digest = await push("nightly");
    const [delivery] = await droverSawManifest("nightly");
    const after = await workerService();

    expect(delivery?.events.find((e) => e.tag === "nightly")).toMatchObject({
      mediaType: MANIFEST_TYPE,
      digest,
    });
    expect(delivery?.drover?.status, diagnostics()).toBe(200);
    expect(delivery?.answered).toBe(200);
    expect(delivery?.drover?.body).toMatchObject({
      deployments: [],
      ignored: expect.stringMatching(/no rule/),
    });
    expect(drover.core.store.list({ limit: 50 }).items).toHaveLength(deploymentsBefore);
    expect(drover.core.engine.stats()).toEqual({ queued: 0, inFlight: 0 });
    expect(after).toEqual(before);
  }, 60_000);

  it("deploys once when the registry delivers the same push twice (first answer lost as a 500)", async () => {
    const { app: drover, proxy: relay, registry: reg } = running();
    let failed = false;
    relay.policy = (events) => {
      const isTarget = events.some((event) => event.tag === "1.0.2");
      if (!isTarget || failed) return "forward";
      failed = true;
      return "forward-then-fail";
    };

    const digest = await push("1.0.2");
    const deliveries = await droverSawManifest("1.0.2", 2);
    const [first, second] = deliveries;
    const firstAnswer = first?.drover?.body as DroverAnswer;
    const secondAnswer = second?.drover?.body as DroverAnswer;
    const eventId = (d: Delivery | undefined): string | undefined =>
      d?.events.find((e) => e.tag === "1.0.2")?.id;
    const mine = drover.core.store.list({ limit: 50 }).items.filter((d) => d.tag === "1.0.2");
    const [done] = await drover.core.engine.waitForTerminal(
      mine.map((d) => d.id),
      DEPLOY_TIMEOUT_MS,
    );

    expect(first?.answered, diagnostics()).toBe(500);
    expect(first?.drover?.status).toBe(202);
    expect(second?.answered).toBe(202);
    expect(eventId(first)).toBeTruthy();
    expect(eventId(second)).toBe(eventId(first));
    expect(firstAnswer.duplicate).toBe(false);
    expect(secondAnswer.duplicate).toBe(true);
    expect(secondAnswer.deployments.map((d) => d.id)).toEqual(firstAnswer.deployments.map((d) => d.id));
    expect(mine).toHaveLength(1);
    expect(done?.state, diagnostics()).toBe("succeeded");
    expect(done?.digest).toBe(digest);
    expect(await workerService()).toEqual({
      state: "active",
      imageUuid: `docker:${reg.host}/${REPOSITORY}:1.0.2`,
    });
    // The registry retried after its backoff (1 s) and then stopped: the 202 was accepted.
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(500);
    expect(manifestDeliveries("1.0.2").at(-1)?.answered).toBe(202);
  }, 60_000);
});
