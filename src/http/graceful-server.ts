import { createServer, type RequestListener, type Server } from "node:http";

export interface HttpServerTimeouts {
  /** A client that has not sent the whole header block by then gets 408 and is disconnected. */
  readonly headersTimeoutMs: number;
  /** A client that has not sent the whole request (body included) by then gets 408 and is disconnected. */
  readonly requestTimeoutMs: number;
}

/** The slowest Node checks for expired requests; the check runs every quarter of the shorter timeout. */
const MAX_CHECK_INTERVAL_MS = 1_000;
const MIN_CHECK_INTERVAL_MS = 10;

/**
 * The HTTP server for `handler` with bounded header and body times, so a client trickling a
 * request cannot hold a connection for Node's default 300 s. `headersTimeoutMs` must not exceed
 * `requestTimeoutMs` (the config schema ensures it).
 */
export function createHttpServer(handler: RequestListener, timeouts: HttpServerTimeouts): Server {
  const shorter = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs);
  return createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Node only notices an expired request when it checks (every 30 s by default).
      connectionsCheckingInterval: Math.max(
        MIN_CHECK_INTERVAL_MS,
        Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(shorter / 4)),
      ),
    },
    handler,
  );
}

/**
 * Stops a server gracefully: no new connections, idle keep-alive connections closed at
 * once, in-flight requests given up to `graceMs` to finish, then every connection closed.
 * Resolves true when everything finished within the grace period.
 */
export async function closeServerGracefully(server: Server, graceMs: number): Promise<boolean> {
  if (!server.listening) return true;
  const closed = new Promise<void>((resolve) => {
    server.close(() => resolve());
  });
  server.closeIdleConnections();
  // Connections that finish their current request become idle: close them as they do.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  try {
    const inTime = await Promise.race([closed.then(() => true as const), timedOut]);
    if (!inTime) {
      server.closeAllConnections();
      await closed;
    }
    return inTime;
  } finally {
    clearInterval(sweep);
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Listens on host:port and resolves with the bound port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}
