import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Deployment, DeploymentState } from "../../src/domain/index.js";

/** One request a local receiver got: the raw body bytes exactly as sent. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
}

/** `ok` answers 200, a number answers that status, `hang` never answers. */
export type ReceiverMode = "ok" | "hang" | number;

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Changes what the next requests get. */
  mode: ReceiverMode | ((count: number) => ReceiverMode);
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that records requests (fakes over mocks). */
export async function startReceiver(mode: Receiver["mode"] = "ok"): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: { mode: Receiver["mode"] } = { mode };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        rawBody: Buffer.concat(chunks),
      });
      for (const waiter of waiters.filter((item) => requests.length >= item.count)) waiter.resolve();
      const current = typeof receiver.mode === "function" ? receiver.mode(requests.length) : receiver.mode;
      if (current === "hang") return;
      res.statusCode = current === "ok" ? 200 : current;
      if (current === 429) res.setHeader("retry-after", "0");
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    origin: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (count: number, timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        if (requests.length >= count) {
          resolve();
          return;
        }
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} requests, got ${requests.length}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A stored-looking deployment in `state`, with every optional field a notification may use. */
export function makeDeployment(state: DeploymentState, overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: "dep_01HZX0000000000000000000",
    target: { environment: "demo", stack: "shop", service: "frontend" },
    targetKey: "demo/shop/frontend",
    image: "docker.io/acme/frontend",
    tag: "1.4.2",
    state,
    source: "dockerhub",
    settings: {
      strategy: { batchSize: 1, intervalMillis: 100, startFirst: false },
      upgradeTimeoutMs: 1_000,
      verify: { soakMs: 0, timeoutMs: 1_000 },
      onFailure: "rollback",
      onUpgradedLeftover: "finish",
    },
    previousImage: "docker.io/acme/frontend:1.4.1",
    createdAt: "2026-01-02T03:04:00.000Z",
    updatedAt: "2026-01-02T03:05:12.000Z",
    startedAt: "2026-01-02T03:04:00.000Z",
    ...(state === "preparing" ? {} : { finishedAt: "2026-01-02T03:05:12.000Z" }),
    ...overrides,
  };
}
