import type { Server } from "node:http";

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
