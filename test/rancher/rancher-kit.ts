import { afterEach } from "vitest";
import { RancherClient, type RancherClientOptions, type RetryPolicy } from "../../src/rancher/index.js";
import {
  createRancherSimulator,
  type RancherSimulator,
  type RancherSimulatorOptions,
  type RecordedRequest,
} from "../../src/simulator/index.js";
import { captureLogs, type CapturedLogs } from "../helpers/capture-logs.js";

/** Small retry policy so failure paths run in milliseconds. */
export const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 4, maxDelayMs: 20 };

export interface ClientKit {
  readonly sim: RancherSimulator;
  readonly client: RancherClient;
  readonly logs: CapturedLogs;
  /** Backoff delays the client asked for, in order (recorded, not waited). */
  readonly sleeps: number[];
  /** A second client on the same simulator, with other options (same logs). */
  clientWith(options: Partial<RancherClientOptions>): RancherClient;
  /** API requests recorded by the simulator (method, path, query, status), oldest first. */
  requests(): readonly RecordedRequest[];
  /** POSTs of `?action=name` recorded by the simulator. */
  posts(action: string): readonly RecordedRequest[];
  /** Raw authenticated request against the simulator (to set up state the client does not offer). */
  api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

const open: RancherSimulator[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

/** A real simulator (manual clock unless told otherwise) and a RancherClient pointed at it. */
export async function startClientKit(
  simOptions: RancherSimulatorOptions = {},
  clientOptions: Partial<RancherClientOptions> = {},
): Promise<ClientKit> {
  const sim = await createRancherSimulator({ clock: "manual", ...simOptions });
  open.push(sim);
  const logs = captureLogs("debug");
  const sleeps: number[] = [];
  const clientWith = (options: Partial<RancherClientOptions>): RancherClient =>
    new RancherClient({
      environment: "staging",
      url: sim.url,
      project: "Default",
      accessKey: sim.accessKey,
      secretKey: sim.secretKey,
      requestTimeoutMs: 5_000,
      logger: logs.logger,
      retry: FAST_RETRY,
      // Backoffs are recorded, not waited: no test waits on real time.
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      ...options,
    });
  const client = clientWith(clientOptions);
  const authorization = `Basic ${Buffer.from(`${sim.accessKey}:${sim.secretKey}`).toString("base64")}`;
  return {
    sim,
    client,
    logs,
    sleeps,
    clientWith,
    requests: () => sim.control.requests(),
    posts: (action) =>
      sim.control
        .requests()
        .filter((request) => request.method === "POST" && request.query["action"] === action),
    api: async (method, path, body) => {
      const response = await fetch(`${sim.url}${path}`, {
        method,
        headers: { authorization, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}

/** The upgrade body drover sends: the whole launch config with only the image changed. */
export function upgradeTo(service: { launchConfig?: unknown }, image: string): Record<string, unknown> {
  return {
    inServiceStrategy: {
      batchSize: 2,
      intervalMillis: 100,
      startFirst: false,
      launchConfig: { ...(service.launchConfig as object), imageUuid: `docker:${image}` },
      secondaryLaunchConfigs: [],
    },
  };
}
