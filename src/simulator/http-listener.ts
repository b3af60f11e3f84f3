import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import type { ApiDeps } from "./api-lookup.js";
import { handleApi } from "./api-handler.js";
import type { ApiResponse } from "./api-request.js";
import { BASIC_CHALLENGE } from "./authenticate.js";
import type { FaultInjector } from "./faults.js";
import type { RequestLog } from "./request-log.js";
import { queryRecord } from "./request-log.js";
import type { SimEngine } from "./sim-engine.js";
import type { ApiVersion } from "./sim-ids.js";
import { SimApiError } from "./sim-errors.js";

/** The Rancher version the simulator claims to be (header `X-Rancher-Version`). */
export const SIMULATED_RANCHER_VERSION = "v1.6.30-drover-sim";

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface HttpListenerDeps {
  readonly engine: SimEngine;
  readonly faults: FaultInjector;
  readonly requests: RequestLog;
  readonly logger: Logger | undefined;
  /** Waits out the fault latency (default Node's timers: real milliseconds). */
  readonly latencyDelay?: ((ms: number) => Promise<void>) | undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function recordedBody(raw: string): unknown {
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function errorResponse(error: SimApiError): ApiResponse {
  return {
    status: error.status,
    body: error.toJSON(),
    headers: error.status === 401 ? { "WWW-Authenticate": BASIC_CHALLENGE } : {},
  };
}

/**
 * The HTTP side of the simulator: `/v1/…` and `/v2-beta/…` API calls (with fault injection and
 * the request log) and `GET /ping`. Everything else is a 404 in Cattle's error shape.
 */
/**
 * Where the schemas for a request are: project-scoped for `/{version}/projects/{id}[/…]` (so a
 * generic client with an account key stays in that project), else the version's own.
 */
function schemasUrl(url: URL, version: ApiVersion): string {
  const project = /^\/[^/]+\/projects\/([^/]+)/.exec(url.pathname)?.[1];
  const scope = project === undefined ? "" : `/projects/${project}`;
  return `${url.origin}/${version}${scope}/schemas`;
}

export function createHttpListener(
  deps: HttpListenerDeps,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { engine, faults, requests } = deps;
  const latencyDelay = deps.latencyDelay ?? ((ms: number) => delay(ms));
  const api: ApiDeps = { engine, conflict: () => faults.conflictForAction() };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = engine.clock.now();
    const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "localhost"}`);
    if (url.pathname === "/ping") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("pong");
      return;
    }
    const rawBody = await readBody(request);
    const override = request.method === "POST" ? url.searchParams.get("_method") : null;
    const method = (override ?? request.method ?? "GET").toUpperCase();
    const record = (status: number | "reset"): void =>
      requests.add({
        method,
        path: url.pathname,
        query: queryRecord(url.searchParams),
        body: recordedBody(rawBody),
        status,
        at,
      });
    const match = /^\/(v1|v2-beta)(?:\/(.*))?$/.exec(url.pathname);
    const version = match?.[1] as ApiVersion | undefined;

    let result: ApiResponse;
    if (version === undefined) {
      result = errorResponse(new SimApiError(404));
    } else {
      const fault = faults.forRequest();
      const { latencyMs } = faults.settings;
      if (latencyMs > 0) await latencyDelay(latencyMs);
      if (fault === "reset") {
        record("reset");
        request.socket.destroy();
        return;
      }
      if (fault !== undefined) {
        result = errorResponse(new SimApiError(fault.status));
      } else {
        const segments = (match?.[2] ?? "").split("/").filter((segment) => segment !== "");
        try {
          result = handleApi(api, { method, url, version, segments, headers: request.headers, rawBody });
        } catch (error) {
          if (!(error instanceof SimApiError)) deps.logger?.error({ err: error }, "simulator request failed");
          result = errorResponse(error instanceof SimApiError ? error : new SimApiError(500));
        }
      }
    }
    record(result.status);
    const headers: Record<string, string> = {
      "Content-Type": "application/json; charset=utf-8",
      "X-Rancher-Version": SIMULATED_RANCHER_VERSION,
      ...result.headers,
    };
    if (version !== undefined) headers["X-API-Schemas"] = schemasUrl(url, version);
    response.writeHead(result.status, headers).end(JSON.stringify(result.body));
  }

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      deps.logger?.error({ err: error }, "simulator request failed");
      if (!response.headersSent) response.writeHead(500).end();
    });
  };
}
