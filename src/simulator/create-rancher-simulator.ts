import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { applySeed } from "./apply-seed.js";
import type { BehaviourRule, TimingOverrides } from "./behaviours.js";
import { resolveTiming } from "./behaviours.js";
import { createSimEngine } from "./create-sim-engine.js";
import type { FaultSettings } from "./faults.js";
import { FaultInjector } from "./faults.js";
import { createHttpListener } from "./http-listener.js";
import { RequestLog } from "./request-log.js";
import { defaultSeed, loadSeedFile, validateSeed } from "./seed.js";
import type { Seed, SeedInput } from "./seed-schema.js";
import { ManualClock, ScaledClock } from "./sim-clock.js";
import { formatId } from "./sim-ids.js";
import type { SimulatorControl } from "./simulator-control.js";
import { createSimulatorControl } from "./simulator-control.js";
import { SubscribeHub } from "./subscribe-socket.js";
import { SeedError } from "./sim-errors.js";

/** Options of {@link createRancherSimulator}; everything is optional. */
export interface RancherSimulatorOptions {
  /** Listen address (default `127.0.0.1`). */
  readonly host?: string;
  /** Listen port (default 0: any free port). */
  readonly port?: number;
  /** Seed object (validated); wins over `seedFile`. Default: the built-in default seed. */
  readonly seed?: Seed | SeedInput;
  /** Seed YAML file to load. */
  readonly seedFile?: string;
  /** `"manual"`: time moves only through `control.clock.advance`. Default `"real"`. */
  readonly clock?: "real" | "manual";
  /** Real clock: simulated durations take `timeScale ×` their length (0.05 = 20× faster). Default 1. */
  readonly timeScale?: number;
  /** Manual clock: simulated epoch ms at start (default 2024-01-01T00:00:00Z). */
  readonly startTime?: number;
  /** Overrides of the simulated durations (over the seed's `timing`). */
  readonly timing?: TimingOverrides;
  /** Extra behaviour rules (over the seed's and the built-in tag prefixes). */
  readonly behaviours?: readonly BehaviourRule[];
  /** Initial fault injection settings. */
  readonly faults?: Partial<FaultSettings>;
  /** Seed of the fault PRNG (same seed, same faults). Default 1. */
  readonly faultSeed?: number;
  /** Waits out the fault `latencyMs` before an answer (default: real milliseconds; tests pass their own). */
  readonly latencyDelay?: (ms: number) => Promise<void>;
  /** Replaces the seed's API keys with one environment key for the first project. */
  readonly apiKey?: { readonly accessKey: string; readonly secretKey: string };
  /** Websocket pings before the server closes a subscription (default 8640, i.e. 12 h). */
  readonly maxPings?: number;
  /** How many requests the request log keeps (default 10 000). */
  readonly requestLogLimit?: number;
  readonly logger?: Logger;
}

/** A running simulator. */
export interface RancherSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the API is under `/v1` and `/v2-beta`). */
  readonly url: string;
  /** The first API key's access key (the default seed's: `drover-sim`). */
  readonly accessKey: string;
  readonly secretKey: string;
  /** The first project's id (`1a5` in the default seed). */
  readonly projectId: string;
  /** Every API key: access key, secret key and the project it belongs to (or `"account"`). */
  readonly keys: readonly {
    readonly accessKey: string;
    readonly secretKey: string;
    readonly project: string;
  }[];
  readonly control: SimulatorControl;
  /** Closes websockets and connections, stops every timer. */
  close(): Promise<void>;
}

async function resolveSeed(options: RancherSimulatorOptions): Promise<Seed> {
  if (options.seed !== undefined) return validateSeed(options.seed, "(options.seed)");
  if (options.seedFile !== undefined) return loadSeedFile(options.seedFile);
  return defaultSeed();
}

/**
 * Starts a Rancher 1.6 API simulator (docs/simulator.md) on `host:port`, seeded from YAML or an
 * object, on a real (optionally scaled) or manual clock.
 * @throws {SeedError} for an invalid seed or one without API keys.
 * @example
 * const sim = await createRancherSimulator({ clock: "manual" });
 * const id = sim.control.serviceId("shop", "frontend");
 * // … POST `${sim.url}/v2-beta/projects/1a5/services/${id}/?action=upgrade` …
 * await sim.control.clock.advanceUntil(() => sim.control.service(id)["state"] === "upgraded");
 * await sim.close();
 */
export async function createRancherSimulator(
  options: RancherSimulatorOptions = {},
): Promise<RancherSimulator> {
  const seed = await resolveSeed(options);
  const logger = options.logger?.child({ component: "rancher-simulator" });
  const manualClock = options.clock === "manual" ? new ManualClock(options.startTime) : undefined;
  const clock =
    manualClock ??
    new ScaledClock(options.timeScale ?? 1, (error) =>
      logger?.error({ err: error }, "simulator timer failed"),
    );
  const engine = createSimEngine({
    clock,
    timing: resolveTiming(seed.timing, options.timing),
    behaviours: [...(options.behaviours ?? []), ...seed.behaviours],
    ...(logger === undefined ? {} : { logger }),
  });
  applySeed(engine, seed);
  const firstProject = [...engine.state.projects.values()][0];
  if (options.apiKey !== undefined && firstProject !== undefined) {
    engine.state.keys.splice(0, engine.state.keys.length, { ...options.apiKey, projectId: firstProject.id });
  }
  const firstKey = engine.state.keys[0];
  if (firstKey === undefined || firstProject === undefined) {
    throw new SeedError("(keys)", ["keys: at least one API key is needed"]);
  }

  const faults = new FaultInjector(options.faults, options.faultSeed);
  const requests = new RequestLog(options.requestLogLimit);
  const hub = new SubscribeHub(engine, options.maxPings);
  const server = createServer(
    createHttpListener({ engine, faults, requests, logger, latencyDelay: options.latencyDelay }),
  );
  server.on("upgrade", (request, socket, head) => hub.handleUpgrade(request, socket, head));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${String(port)}`;
  logger?.info({ url }, "rancher simulator listening");

  let closed = false;
  return {
    url,
    accessKey: firstKey.accessKey,
    secretKey: firstKey.secretKey,
    projectId: formatId("project", firstProject.id),
    keys: engine.state.keys.map((key) => ({
      accessKey: key.accessKey,
      secretKey: key.secretKey,
      project: key.projectId === undefined ? "account" : formatId("project", key.projectId),
    })),
    control: createSimulatorControl({ engine, manualClock, faults, requests, hub, url }),
    close: async () => {
      if (closed) return;
      closed = true;
      hub.close();
      engine.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger?.info({ url }, "rancher simulator stopped");
    },
  };
}
