/**
 * The reliability cases of docs/reliability.md end to end: `node bin/drover.js serve` as a child
 * process on its own config and database, a Rancher simulator in the test process (scaled clock),
 * registry webhooks over HTTP and the admin API for reading deployments. "Another actor" is plain
 * HTTP against the simulator's API with its API key, as any other Rancher client would be.
 *
 * drover's soak and poll interval run on drover's own (real) clock; only the simulator's durations
 * are scaled. Nothing here measures time: every wait polls for a state, bounded by a generous limit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRancherSimulator, type RancherSimulator } from "../../src/simulator/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const REGISTRY = "registry.example.com";
const WORKER = `${REGISTRY}/shop/worker`;
const BEARER = "e2e-outside-actor-registry-token";
const WAIT_MS = 90_000;
const TERMINAL = new Set(["succeeded", "rolled-back", "failed", "canceled", "superseded", "skipped"]);

const capture = JSON.parse(
  readFileSync(
    new URL("../fixtures/payloads/registry/distribution-2.8.2-manifest-push-tag.json", import.meta.url),
    "utf8",
  ),
) as { headers: Record<string, string>; body: { events: Record<string, Record<string, unknown>>[] } };

interface ShownDeployment {
  readonly id: string;
  readonly state: string;
  readonly image: string;
  readonly tag: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly events: readonly { readonly kind: string; readonly state: string; readonly detail: string }[];
}

interface ServiceView {
  readonly state: string;
  readonly launchConfig: Record<string, unknown> & { readonly imageUuid: string; readonly version?: string };
}

interface Serve {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly base: string;
}

const started: { serves: Serve[]; sims: RancherSimulator[] } = { serves: [], sims: [] };

afterEach(async () => {
  const { serves, sims } = started;
  started.serves = [];
  started.sims = [];
  for (const serve of serves) {
    if (serve.child.exitCode === null) serve.child.kill("SIGTERM");
  }
  const codes = await Promise.all(serves.map((serve) => serve.exited));
  await Promise.all(sims.map((sim) => sim.close()));
  expect(codes.every((code) => code === 0)).toBe(true);
});

beforeAll(() => {
  if (!existsSync(`${root}dist/main.js`))
    throw new Error("dist/ is missing: run `npm run build` (npm test does)");
});

async function startSimulator(): Promise<RancherSimulator> {
  const sim = await createRancherSimulator({ timeScale: 0.1 });
  started.sims.push(sim);
  return sim;
}

/** A mapping file for one drover on `sim`: registry webhooks for shop/worker, readable admin API. */
function writeConfig(sim: RancherSimulator): string {
  const dir = mkdtempSync(join(tmpdir(), "drover-outside-"));
  const file = join(dir, "drover.yml");
  writeFileSync(
    file,
    `server: { host: 127.0.0.1, port: 0, shutdownGrace: 1s }
storage: { path: ${join(dir, "drover.db")} }
environments:
  sim: { url: "${sim.url}", project: Default, accessKey: ${sim.accessKey}, secretKey: ${sim.secretKey}, requestTimeout: 5s }
sources:
  registry: { bearer: ${BEARER} }
admin: { readOpen: true }
defaults:
  strategy: { batchSize: 1, intervalMillis: 200, startFirst: false }
  upgradeTimeout: 45s
  verify: { soak: 8s, timeout: 45s }
  onFailure: rollback
rules:
  - image: ${WORKER}
    tags: { glob: "*" }
    targets: [{ environment: sim, stack: shop, service: worker }]
`,
  );
  return file;
}

/** `drover serve` as a child process; resolves once it logs "listening", with its base URL. */
async function serve(config: string): Promise<Serve> {
  const child = spawn(process.execPath, [`${root}bin/drover.js`, "serve", "--config", config], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((text) => text.includes('"msg":"listening"'));
      const found = line === undefined ? undefined : /"port":(\d+)/.exec(line)?.[1];
      if (found !== undefined) resolve(found);
    });
    void exited.then((code) => reject(new Error(`serve exited ${String(code)} before listening: ${stderr}`)));
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout.resume();
  const running = { child, exited, base: `http://127.0.0.1:${port}` };
  started.serves.push(running);
  return running;
}

/** The captured registry notification, re-addressed to `registry.example.com/shop/worker:<tag>`. */
async function push(drover: Serve, tag: string): Promise<string> {
  const [event] = capture.body.events;
  const body = {
    events: [
      {
        ...event,
        target: {
          ...event!["target"],
          repository: "shop/worker",
          tag,
          url: `https://${REGISTRY}/v2/shop/worker`,
        },
        request: { ...event!["request"], host: REGISTRY },
      },
    ],
  };
  const res = await fetch(`${drover.base}/hooks/registry`, {
    method: "POST",
    headers: {
      "content-type": capture.headers["content-type"] ?? "application/json",
      authorization: `Bearer ${BEARER}`,
    },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  const answer = (await res.json()) as { deployments: { id: string; target: string }[] };
  expect(answer.deployments.map((d) => d.target)).toEqual(["sim/shop/worker"]);
  return answer.deployments[0]!.id;
}

async function show(drover: Serve, id: string): Promise<ShownDeployment> {
  const res = await fetch(`${drover.base}/api/deployments/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ShownDeployment;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function waitForState(drover: Serve, id: string, state: string): Promise<ShownDeployment> {
  return waitFor(async () => {
    const shown = await show(drover, id);
    if (TERMINAL.has(shown.state) && shown.state !== state)
      throw new Error(
        `deployment ended ${shown.state} while waiting for ${state}: ${JSON.stringify(shown.events)}`,
      );
    return shown.state === state ? shown : undefined;
  }, `deployment ${id} ${state}`);
}

function waitForEnd(drover: Serve, id: string): Promise<ShownDeployment> {
  return waitFor(async () => {
    const shown = await show(drover, id);
    return TERMINAL.has(shown.state) ? shown : undefined;
  }, `deployment ${id} to end`);
}

/** Another Rancher client: plain HTTP with the simulator's API key. */
function otherClient(sim: RancherSimulator) {
  const serviceUrl = `${sim.url}/v2-beta/projects/${sim.projectId}/services/${sim.control.serviceId("shop", "worker")}`;
  const auth = `Basic ${Buffer.from(`${sim.accessKey}:${sim.secretKey}`).toString("base64")}`;
  const get = async (): Promise<ServiceView> => {
    const res = await fetch(serviceUrl, { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    return (await res.json()) as ServiceView;
  };
  const action = async (name: string, body: unknown = {}): Promise<void> => {
    const res = await fetch(`${serviceUrl}/?action=${name}`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status, `${name}: ${await res.clone().text()}`).toBe(202);
  };
  return {
    get,
    finishUpgrade: () => action("finishupgrade"),
    /** An in-service upgrade with the whole current launch config and another image. */
    upgrade: async (imageUuid: string) => {
      const { launchConfig } = await get();
      await action("upgrade", {
        inServiceStrategy: {
          batchSize: 1,
          intervalMillis: 200,
          startFirst: false,
          launchConfig: { ...launchConfig, imageUuid },
        },
      });
    },
    waitFor: (state: string) =>
      waitFor(async () => {
        const service = await get();
        return service.state === state ? service : undefined;
      }, `service ${state}`),
  };
}

/** The service actions the simulator accepted (POST `?action=`), in order, with the image an upgrade asked for. */
function actions(sim: RancherSimulator): string[] {
  return sim.control
    .requests()
    .filter((r) => r.method === "POST" && typeof r.query["action"] === "string" && r.status === 202)
    .map((r) => {
      const name = r.query["action"] as string;
      const body = r.body as { inServiceStrategy?: { launchConfig?: { imageUuid?: string } } } | undefined;
      const image = body?.inServiceStrategy?.launchConfig?.imageUuid;
      return image === undefined ? name : `${name} ${image}`;
    });
}

function worker(sim: RancherSimulator): ServiceView {
  return sim.control.service(sim.control.serviceId("shop", "worker")) as unknown as ServiceView;
}

describe("drover serve against another Rancher client (docs/reliability.md)", () => {
  it("fails ERR_TARGET_CHANGED, posting nothing, when another actor finishes and upgrades again while it verifies", async () => {
    const sim = await startSimulator();
    const drover = await serve(writeConfig(sim));
    const actor = otherClient(sim);

    const id = await push(drover, "9.5.0");
    await waitForState(drover, id, "verifying");
    await actor.finishUpgrade();
    await actor.waitFor("active");
    await actor.upgrade(`docker:${WORKER}:actor-9.9`);
    const done = await waitForEnd(drover, id);
    await actor.waitFor("upgraded");

    expect(done.state).toBe("failed");
    expect(done.error?.code).toBe("ERR_TARGET_CHANGED");
    expect(done.events.some((e) => e.detail.includes(`Rancher now runs ${WORKER}:actor-9.9`))).toBe(true);
    expect(done.events.filter((e) => e.kind === "action").map((e) => e.detail)).toEqual([
      "about to POST upgrade",
    ]);
    // drover posted its upgrade and nothing else: the finish and the second upgrade are the actor's.
    expect(actions(sim)).toEqual([
      `upgrade docker:${WORKER}:9.5.0`,
      "finishupgrade",
      `upgrade docker:${WORKER}:actor-9.9`,
    ]);
    expect(worker(sim).launchConfig.imageUuid).toBe(`docker:${WORKER}:actor-9.9`);
  }, 150_000);

  it("succeeds when another actor finishes its upgrade while it verifies", async () => {
    const sim = await startSimulator();
    const drover = await serve(writeConfig(sim));
    const actor = otherClient(sim);

    const id = await push(drover, "9.5.0");
    await waitForState(drover, id, "verifying");
    await actor.finishUpgrade();
    const done = await waitForEnd(drover, id);

    expect(done.state).toBe("succeeded");
    expect(done.events.some((e) => e.detail.includes("finished outside drover"))).toBe(true);
    expect(actions(sim)).toEqual([`upgrade docker:${WORKER}:9.5.0`, "finishupgrade"]);
    expect(worker(sim).state).toBe("active");
    expect(worker(sim).launchConfig.imageUuid).toBe(`docker:${WORKER}:9.5.0`);
  }, 150_000);

  it("two drovers on one Rancher take turns: the second waits out the first's upgrade", async () => {
    const sim = await startSimulator();
    const first = await serve(writeConfig(sim));
    const second = await serve(writeConfig(sim));

    const a = await push(first, "9.5.0");
    await waitForState(first, a, "verifying");
    const b = await push(second, "9.6.0");
    const [doneA, doneB] = await Promise.all([waitForEnd(first, a), waitForEnd(second, b)]);

    expect(doneA.state).toBe("succeeded");
    expect(doneB.state).toBe("succeeded");
    // The second found the first's upgrade, waited it out posting nothing, then upgraded.
    const waited = doneB.events.findIndex(
      (e) => e.detail.includes("by an upgrade drover did not start") && e.detail.includes(`${WORKER}:9.5.0`),
    );
    const posted = doneB.events.findIndex((e) => e.detail === "about to POST upgrade");
    expect(waited).toBeGreaterThan(-1);
    expect(posted).toBeGreaterThan(waited);
    expect(doneA.events.some((e) => e.detail.includes("outside drover"))).toBe(false);
    expect(actions(sim)).toEqual([
      `upgrade docker:${WORKER}:9.5.0`,
      "finishupgrade",
      `upgrade docker:${WORKER}:9.6.0`,
      "finishupgrade",
    ]);
    expect(worker(sim).state).toBe("active");
    expect(worker(sim).launchConfig.imageUuid).toBe(`docker:${WORKER}:9.6.0`);
  }, 150_000);

  it("rolls back a crash-looping image on a service without a health check", async () => {
    const sim = await startSimulator();
    const drover = await serve(writeConfig(sim));

    const id = await push(drover, "crash-1.0.0");
    const done = await waitForEnd(drover, id);

    expect(done.state).toBe("rolled-back");
    expect(done.error?.code).toBe("ERR_UNHEALTHY");
    expect(actions(sim)).toEqual([`upgrade docker:${WORKER}:crash-1.0.0`, "rollback"]);
    await otherClient(sim).waitFor("active");
    expect(worker(sim).launchConfig.imageUuid).toBe(`docker:${WORKER}:1.0.0`);
  }, 150_000);
});
