import { once } from "node:events";
import { createServer, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { closeServerGracefully, createHttpServer, listen } from "../../src/http/index.js";
import { trickleBody } from "../helpers/trickle-body.js";

/** A server that holds every request (in `held`) until the test answers it. */
function slowServer(): { server: Server; held: ServerResponse[] } {
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    held.push(res);
  });
  return { server, held };
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("closeServerGracefully", () => {
  it("lets an in-flight request finish and refuses new connections", async () => {
    const { server, held } = slowServer();
    const port = await listen(server, 0, "127.0.0.1");
    const arrived = once(server, "request");
    const inFlight = get(port);
    await arrived;

    const closing = closeServerGracefully(server, 2_000);
    const late = get(port).then(
      () => "answered",
      () => "refused",
    );
    const refusedWhileInFlight = await late;
    held[0]?.end("done");

    expect(await inFlight).toEqual({ status: 200, body: "done" });
    expect(await closing).toBe(true);
    expect(refusedWhileInFlight).toBe("refused");
    expect(held).toHaveLength(1);
  });

  it("cuts requests that outlast the grace period", async () => {
    const { server } = slowServer(); // never answers
    const port = await listen(server, 0, "127.0.0.1");
    const arrived = once(server, "request");
    const inFlight = get(port).then(
      () => "answered",
      () => "cut",
    );
    await arrived;

    const inTime = await closeServerGracefully(server, 100);

    expect(inTime).toBe(false);
    expect(await inFlight).toBe("cut");
  });
});

describe("createHttpServer", () => {
  it("closes a connection whose body trickles in slower than requestTimeout", async () => {
    let handled = 0;
    const server = createHttpServer(
      (req, res) => {
        handled += 1;
        req.resume();
        req.on("end", () => res.end("read it all"));
      },
      { headersTimeoutMs: 200, requestTimeoutMs: 300 },
    );
    const port = await listen(server, 0, "127.0.0.1");
    try {
      const { answer, bytesSent } = await trickleBody(port);

      expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
      expect(bytesSent).toBeLessThan(100_000);
      expect(handled).toBe(1);
      // The server itself is fine: the next client is served.
      expect(await get(port)).toEqual({ status: 200, body: "read it all" });
    } finally {
      await closeServerGracefully(server, 100);
    }
  });

  it("applies the configured timeouts to the server", () => {
    const server = createHttpServer(() => undefined, { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });

    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(30_000);
  });
});
