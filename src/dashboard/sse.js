// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, so the stream
// is read with fetch() + ReadableStream and parsed here (the WHATWG event-stream format).

/**
 * An incremental event-stream parser. `push(text)` takes any chunk of the stream (lines may be
 * split anywhere, CR, LF and CRLF all end a line); `onEvent({ type, data, id })` is called for
 * every complete event, `onRetry(ms)` for every valid `retry:` field. `lastEventId` is the id
 * in effect (ids persist across events, as in EventSource).
 */
export function createSseParser({ onEvent, onRetry = () => {} }) {
  let pending = "";
  let sawCr = false;
  let type = "";
  let data = [];
  let hasData = false;
  const parser = { lastEventId: undefined, push, end };

  function dispatch() {
    if (hasData)
      onEvent({ type: type === "" ? "message" : type, data: data.join("\n"), id: parser.lastEventId });
    type = "";
    data = [];
    hasData = false;
  }

  function line(text) {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return undefined;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        type = value;
        break;
      case "data":
        data.push(value);
        hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) parser.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) onRetry(Number(value));
        break;
      default:
        break;
    }
    return undefined;
  }

  function push(chunk) {
    let text = chunk;
    // A CR at the end of the previous chunk already ended a line: skip the LF of its CRLF.
    if (sawCr && text.startsWith("\n")) text = text.slice(1);
    sawCr = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== "\n" && c !== "\r") continue;
      line(pending + text.slice(start, i));
      pending = "";
      if (c === "\r") {
        if (i + 1 === text.length) sawCr = true;
        else if (text[i + 1] === "\n") i++;
      }
      start = i + 1;
    }
    pending += text.slice(start);
  }

  /** The stream ended: an unfinished event is dropped (as the format says). */
  function end() {
    pending = "";
    type = "";
    data = [];
    hasData = false;
  }

  return parser;
}

/** drover's error message of a refused request (`{ error: { message } }`), or its status. */
async function errorMessage(response) {
  try {
    const message = (await response.json())?.error?.message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: fall through
  }
  return `drover answered ${response.status}`;
}

/**
 * Keeps one event stream open: connects, parses, and reconnects after the server's `retry:` (longer
 * after repeated failures), sending `Last-Event-ID` so the server replays what was missed.
 * `headers()` is read on every connect (the token may change). Callbacks: `onOpen()` once per
 * connection, `onEvent(event)`, `onDown(reason)` when a connection ends or fails,
 * `onUnauthorized(message)` on 401 with drover's message (no retry until `restart()`). Returns `{ restart, close }`.
 */
export function connectEventStream({ url, headers, onOpen, onEvent, onDown, onUnauthorized }) {
  let retryMs = 2000;
  let failures = 0;
  let lastEventId;
  let controller;
  let timer;
  let closed = false;

  async function run() {
    controller = new AbortController();
    const signal = controller.signal;
    const parser = createSseParser({
      onEvent: (event) => {
        lastEventId = event.id ?? lastEventId;
        onEvent(event);
      },
      onRetry: (ms) => {
        retryMs = ms;
      },
    });
    parser.lastEventId = lastEventId;
    try {
      const response = await fetch(url, {
        headers: headers(
          lastEventId === undefined
            ? { accept: "text/event-stream" }
            : { accept: "text/event-stream", "last-event-id": lastEventId },
        ),
        cache: "no-store",
        credentials: "omit",
        signal,
      });
      if (response.status === 401) {
        onUnauthorized(await errorMessage(response));
        onDown("the admin token is needed");
        return;
      }
      if (!response.ok || response.body === null)
        throw new Error(`the event stream answered ${response.status}`);
      failures = 0;
      onOpen();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
      parser.end();
      onDown("the event stream ended");
    } catch (error) {
      if (signal.aborted) return;
      failures++;
      onDown(error instanceof Error ? error.message : "the event stream failed");
    }
    if (!closed && !signal.aborted) schedule();
  }

  function schedule() {
    // The server's `retry:` after a connection ended; doubling (up to 30 s) while connecting fails.
    const delay = failures <= 1 ? retryMs : Math.min(30_000, retryMs * 2 ** Math.min(failures - 1, 4));
    timer = setTimeout(() => void run(), delay);
  }

  function stop() {
    clearTimeout(timer);
    controller?.abort();
  }

  void run();
  return {
    /** Reconnects now (after a token change), keeping the last event id. */
    restart() {
      stop();
      failures = 0;
      void run();
    },
    close() {
      closed = true;
      stop();
    },
  };
}
