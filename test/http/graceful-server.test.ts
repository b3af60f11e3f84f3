import { createServer, request as httpRequest, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import { closeServerGracefully, createHttpServer, listen } from "../../src/http/index.js";
import { trickleBody } from "../helpers/trickle-body.js";

function slowServer(delayMs: number): Server {
  return createServer((_req, res) => {
    setTimeout(() => res.end("done"), delayMs);
  });
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
    const server = slowServer(150);
    const port = await listen(server, 0, "127.0.0.1");
    const inFlight = get(port);
    await new Promise((resolve) => setTimeout(resolve, 30));

    const closing = closeServerGracefully(server, 2_000);
    const late = get(port).then(
      () => "answered",
      () => "refused",
    );

    expect(await inFlight).toEqual({ status: 200, body: "done" });
    expect(await closing).toBe(true);
    expect(await late).toBe("refused");
  });

  it("cuts requests that outlast the grace period", async () => {
    const server = slowServer(5_000);
    const port = await listen(server, 0, "127.0.0.1");
    const inFlight = get(port).then(
      () => "answered",
      () => "cut",
    );
    await new Promise((resolve) => setTimeout(resolve, 30));

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
