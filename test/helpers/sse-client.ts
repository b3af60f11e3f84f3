import { request, type IncomingHttpHeaders } from "node:http";

/** One Server-Sent Events message as the wire carried it (a comment block has only `comment`). */
export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: string;
  readonly comment?: string;
}

export interface SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Every message received so far, in order. */
  readonly messages: SseMessage[];
  /** The raw text received so far. */
  text(): string;
  /** Resolves with the first message (from the start) matching `match`, as soon as it arrives. */
  waitFor(match: (message: SseMessage) => boolean, what?: string): Promise<SseMessage>;
  /** Resolves when the server ended the stream (or the connection closed). */
  readonly ended: Promise<void>;
  close(): void;
}

/** How long a wait may take before the test fails with what it waited for (a guard, not a timing). */
const GUARD_MS = 20_000;

/** Parses complete SSE blocks off `buffer`; returns the messages and the unparsed rest. */
export function parseSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop() ?? "";
  const messages = blocks.map((block) => {
    const message: Record<string, string> = {};
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        message["comment"] = line.slice(1).trim();
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      message[field] =
        field === "data" && message["data"] !== undefined ? `${message["data"]}\n${value}` : value;
    }
    return message;
  });
  return { messages, rest };
}

/** Opens `GET url` and collects its event stream (also for a non-200 answer: `text()` has the body). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      const messages: SseMessage[] = [];
      let raw = "";
      let pending = "";
      const waiters = new Set<() => void>();
      let resolveEnded: () => void = () => undefined;
      const ended = new Promise<void>((done) => (resolveEnded = done));
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        raw += chunk;
        const parsed = parseSse(pending + chunk);
        pending = parsed.rest;
        messages.push(...parsed.messages);
        for (const waiter of [...waiters]) waiter();
      });
      let closed = false;
      res.on("close", () => {
        closed = true;
        resolveEnded();
        for (const waiter of [...waiters]) waiter();
      });
      res.on("error", () => resolveEnded());
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        text: () => raw,
        ended,
        close: () => req.destroy(),
        waitFor: (match, what = "a matching message") =>
          new Promise((found, fail) => {
            const guard = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no ${what} within ${GUARD_MS} ms; got:\n${raw.slice(-2000)}`));
            }, GUARD_MS);
            function check(): void {
              const message = messages.find(match);
              if (message === undefined && !closed) return;
              waiters.delete(check);
              clearTimeout(guard);
              if (message === undefined)
                fail(new Error(`the stream ended before ${what}; got:\n${raw.slice(-2000)}`));
              else found(message);
            }
            waiters.add(check);
            check();
          }),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** The JSON body of a `data:` line. */
export function dataOf<T = Record<string, unknown>>(message: SseMessage): T {
  if (message.data === undefined) throw new Error("the message has no data");
  return JSON.parse(message.data) as T;
}
