import { connect } from "node:net";

/**
 * Sends a request's headers at once, then its body one byte every 20 ms (never finishing on
 * its own): resolves with what the server answered once the server closes the connection.
 */
export function trickleBody(port: number, path = "/"): Promise<{ answer: string; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let bytesSent = 0;
    let trickle: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
      );
      trickle = setInterval(() => {
        if (socket.writable) {
          socket.write("a");
          bytesSent += 1;
        }
      }, 20);
    });
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") reject(error);
    });
    socket.on("close", () => {
      clearInterval(trickle);
      resolve({ answer, bytesSent });
    });
  });
}
