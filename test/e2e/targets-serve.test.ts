/**
 * `GET /api/targets` end to end: `node bin/drover.js serve` as a child process against a Rancher
 * simulator in the test process (scaled clock). drover deploys the worker; then another Rancher
 * client (plain HTTP with the simulator's API key) upgrades it to another image. `currentImage`
 * must follow Rancher, while `lastDeployedImage` keeps what drover's store recorded.
 *
 * Nothing here measures time: every wait polls for a state, bounded by a generous limit.
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
const BEARER = "e2e-targets-registry-token";
const WAIT_MS = 60_000;

const capture = JSON.parse(
  readFileSync(
    new URL("../fixtures/payloads/registry/distribution-2.8.2-manifest-push-tag.json", import.meta.url),
    "utf8",
  ),
) as { headers: Record<string, string>; body: { events: Record<string, Record<string, unknown>>[] } };

interface TargetItem {
  readonly target: string;
  readonly environment: string;
  readonly stack: string;
  readonly service: string;
  readonly rancher: { readonly status: string; readonly image?: string; readonly serviceState?: string };
  readonly currentImage?: string;
  readonly lastDeployedImage?: string;
  readonly lastDeployment?: { readonly id: string; readonly state: string; readonly image: string };
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
  for (const serve of serves) if (serve.child.exitCode === null) serve.child.kill("SIGTERM");
  const codes = await Promise.all(serves.map((serve) => serve.exited));
  await Promise.all(sims.map((sim) => sim.close()));
  expect(codes.every((code) => code === 0)).toBe(true);
});

beforeAll(() => {
  if (!existsSync(`${root}dist/main.js`))
    throw new Error("dist/ is missing: run `npm run build` (npm test does)");
});

function writeConfig(sim: RancherSimulator): string {
  const dir = mkdtempSync(join(tmpdir(), "drover-targets-"));
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
  verify: { soak: 1s, timeout: 45s }
  onFailure: rollback
rules:
  - image: ${WORKER}
    tags: { glob: "*" }
    targets: [{ environment: sim, stack: shop, service: worker }]
`,
  );
  return file;
}

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
  const answer = (await res.json()) as { deployments: { id: string }[] };
  return answer.deployments[0]!.id;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: () => string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function workerTarget(drover: Serve): Promise<TargetItem> {
  const res = await fetch(`${drover.base}/api/targets`);
  expect(res.status).toBe(200);
  const { items } = (await res.json()) as { items: TargetItem[] };
  const item = items.find((entry) => entry.target === "sim/shop/worker");
  if (item === undefined) throw new Error("sim/shop/worker is not listed");
  return item;
}

/** Another Rancher client upgrades the worker to `image` and finishes the upgrade. */
async function upgradeOutside(sim: RancherSimulator, image: string): Promise<void> {
  const url = `${sim.url}/v2-beta/projects/${sim.projectId}/services/${sim.control.serviceId("shop", "worker")}`;
  const headers = {
    authorization: `Basic ${Buffer.from(`${sim.accessKey}:${sim.secretKey}`).toString("base64")}`,
    "content-type": "application/json",
  };
  const service = (await (await fetch(url, { headers })).json()) as { launchConfig: Record<string, unknown> };
  const upgrade = await fetch(`${url}/?action=upgrade`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      inServiceStrategy: {
        batchSize: 1,
        intervalMillis: 200,
        startFirst: false,
        launchConfig: { ...service.launchConfig, imageUuid: `docker:${image}` },
      },
    }),
  });
  expect(upgrade.status).toBe(202);
  await waitFor(
    async () =>
      ((await (await fetch(url, { headers })).json()) as { state: string }).state === "upgraded" || undefined,
    () => "the outside upgrade",
  );
  const finish = await fetch(`${url}/?action=finishupgrade`, { method: "POST", headers });
  expect(finish.status).toBe(202);
}

describe("GET /api/targets under drover serve", () => {
  it("shows what Rancher runs after another client changed it, while the store's last deployment says otherwise", async () => {
    const sim = await createRancherSimulator({ timeScale: 0.1 });
    started.sims.push(sim);
    const drover = await serve(writeConfig(sim));

    const id = await push(drover, "1.1.0");
    let last: TargetItem | undefined;
    const deployed = await waitFor(
      async () => {
        last = await workerTarget(drover);
        return last.lastDeployment?.state === "succeeded" && last.currentImage === `${WORKER}:1.1.0`
          ? last
          : undefined;
      },
      () => `drover's deployment to show: ${JSON.stringify(last)}`,
    );
    expect(deployed).toMatchObject({
      environment: "sim",
      stack: "shop",
      service: "worker",
      rancher: { status: "known", image: `${WORKER}:1.1.0` },
      lastDeployedImage: `${WORKER}:1.1.0`,
      lastDeployment: { id, state: "succeeded", image: `${WORKER}:1.1.0` },
    });

    await upgradeOutside(sim, `${WORKER}:7.7.7`);
    const changed = await waitFor(
      async () => {
        last = await workerTarget(drover);
        return last.currentImage === `${WORKER}:7.7.7` && last.rancher.serviceState === "active"
          ? last
          : undefined;
      },
      () => `Rancher's image to show: ${JSON.stringify(last)}`,
    );

    expect(changed).toMatchObject({
      rancher: { status: "known", image: `${WORKER}:7.7.7`, serviceState: "active" },
      currentImage: `${WORKER}:7.7.7`,
      lastDeployedImage: `${WORKER}:1.1.0`,
      lastDeployment: { id, state: "succeeded", image: `${WORKER}:1.1.0` },
    });
  }, 120_000);
});
