import { afterEach } from "vitest";
import {
  createRancherSimulator,
  type RancherSimulator,
  type RancherSimulatorOptions,
} from "../../src/simulator/index.js";

/** API JSON in tests: loosely typed on purpose, the assertions check the values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiReply {
  readonly status: number;
  readonly body: Json;
  readonly headers: Headers;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Raw body text (sent as is, no Content-Type). */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  /** `false`: no Authorization header; a pair: those credentials. */
  readonly auth?: false | { readonly accessKey: string; readonly secretKey: string };
}

export interface SimKit {
  readonly sim: RancherSimulator;
  /** In-process views (no HTTP), loosely typed for assertions. */
  readonly ctl: {
    service(id: string): Json;
    container(id: string): Json;
    instances(serviceId: string): Json[];
  };
  request(method: string, path: string, options?: RequestOptions): Promise<ApiReply>;
  get(path: string, options?: RequestOptions): Promise<ApiReply>;
  post(path: string, body?: unknown, options?: RequestOptions): Promise<ApiReply>;
  /** GET a service through the v2-beta API (project-scoped path). */
  service(id: string): Promise<Json>;
  /** GET a service's instances (all pages). */
  instances(id: string): Promise<Json[]>;
  /** POST `…/services/{id}/?action=…` on v2-beta. */
  action(id: string, action: string, body?: unknown): Promise<ApiReply>;
  /** Advances the manual clock until the service (read in-process) satisfies `predicate`. */
  until(id: string, predicate: (service: Json) => boolean, maxMs?: number): Promise<number>;
}

const running: RancherSimulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

export const basic = (accessKey: string, secretKey: string): string =>
  `Basic ${Buffer.from(`${accessKey}:${secretKey}`).toString("base64")}`;

/** Starts a simulator on the manual clock (closed after each test) with a small HTTP helper. */
export async function startSim(options: RancherSimulatorOptions = {}): Promise<SimKit> {
  const sim = await createRancherSimulator({ clock: "manual", ...options });
  running.push(sim);
  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<ApiReply> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== false) {
      const key = opts.auth ?? sim;
      headers["authorization"] = basic(key.accessKey, key.secretKey);
    }
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (e.g. /ping)
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  const base = `/v2-beta/projects/${sim.projectId}`;
  const kit: SimKit = {
    sim,
    ctl: {
      service: (id) => sim.control.service(id),
      container: (id) => sim.control.container(id),
      instances: (id) => sim.control.instances(id),
    },
    request,
    get: (path, opts) => request("GET", path, opts),
    post: (path, body, opts) => request("POST", path, { ...opts, ...(body === undefined ? {} : { body }) }),
    service: async (id) => (await request("GET", `${base}/services/${id}`)).body,
    instances: async (id) => {
      const rows: Json[] = [];
      let next: string | null = `${base}/services/${id}/instances`;
      while (next !== null) {
        const reply: ApiReply = await request("GET", next.replace(sim.url, ""));
        rows.push(...(reply.body.data as Json[]));
        next = reply.body.pagination.next as string | null;
      }
      return rows;
    },
    action: (id, action, body) =>
      request("POST", `${base}/services/${id}/?action=${action}`, body === undefined ? {} : { body }),
    until: (id, predicate, maxMs) =>
      sim.control.clock.advanceUntil(() => predicate(sim.control.service(id)), maxMs),
  };
  return kit;
}

/** The upgrade body every well-behaved tool sends: the whole launch config with a new image. */
export function upgradeBody(service: Json, image: string, strategy: Json = {}): Json {
  return {
    inServiceStrategy: {
      batchSize: 1,
      intervalMillis: 2000,
      startFirst: false,
      launchConfig: { ...service.launchConfig, imageUuid: `docker:${image}` },
      secondaryLaunchConfigs: [],
      ...strategy,
    },
  };
}

/** Instances grouped as `state/healthState@imageTag`, sorted, for compact assertions. */
export function summary(instances: readonly Json[]): string[] {
  return instances
    .map((c) => `${String(c.state)}/${String(c.healthState)}@${String(c.imageUuid).split(":").pop()}`)
    .sort();
}
