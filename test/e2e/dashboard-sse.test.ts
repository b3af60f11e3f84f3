/**
 * The dashboard's event-stream parser (src/dashboard/sse.js), run in Chromium as the page loads
 * it: events split across chunks anywhere, CR/LF/CRLF line ends, comments, ids that persist,
 * `retry:`, multi-line data, and an unfinished event at the end dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startDashboard, type Dashboard } from "./dashboard-harness.js";

let dashboard: Dashboard;
let page: Page;

beforeAll(async () => {
  dashboard = await startDashboard();
  page = await dashboard.newPage();
  await page.goto(`${dashboard.base}/`);
});

afterAll(async () => {
  await dashboard.close();
});

interface Parsed {
  readonly events: { type: string; data: string; id?: string }[];
  readonly retries: number[];
  readonly lastEventId?: string;
}

/**
 * Feeds `chunks` to a fresh parser in the page. The page script is text: vitest would rewrite an
 * `import()` inside a function passed to `evaluate`.
 */
function parse(chunks: readonly string[]): Promise<Parsed> {
  return page.evaluate(`(async (parts) => {
    const { createSseParser } = await import("/ui/sse.js");
    const events = [];
    const retries = [];
    const parser = createSseParser({ onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms) });
    for (const part of parts) parser.push(part);
    parser.end();
    const result = { events: JSON.parse(JSON.stringify(events)), retries };
    if (parser.lastEventId !== undefined) result.lastEventId = parser.lastEventId;
    return result;
  })(${JSON.stringify(chunks)})`);
}

const STREAM =
  'retry: 2000\n\n: heartbeat\n\nevent: deployment\nid: 7\ndata: {"type":"deployment","n":1}\n\n' +
  'event: target\ndata: {"type":"target"}\n\ndata: line one\ndata: line two\n\n';

const EXPECTED = [
  { type: "deployment", data: '{"type":"deployment","n":1}', id: "7" },
  { type: "target", data: '{"type":"target"}', id: "7" },
  { type: "message", data: "line one\nline two", id: "7" },
];

describe("dashboard SSE parser (in Chromium)", () => {
  it("parses a whole stream: events, comments, persisting ids, retry, multi-line data", async () => {
    const parsed = await parse([STREAM]);

    expect(parsed.events).toEqual(EXPECTED);
    expect(parsed.retries).toEqual([2000]);
    expect(parsed.lastEventId).toBe("7");
  });

  it("gives the same events whichever way the stream is cut into chunks", async () => {
    const cuts = [1, 2, 3, 5, 7, 11, 13];
    for (const size of cuts) {
      const chunks: string[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
      expect((await parse(chunks)).events, `chunks of ${String(size)}`).toEqual(EXPECTED);
    }
  });

  it("accepts CRLF and CR line ends, also with the CR and LF in different chunks", async () => {
    const crlf = STREAM.replaceAll("\n", "\r\n");
    const cr = STREAM.replaceAll("\n", "\r");
    const splitAtCr = crlf.split(/(?<=\r)/);

    expect((await parse([crlf])).events).toEqual(EXPECTED);
    expect((await parse([cr])).events).toEqual(EXPECTED);
    expect((await parse(splitAtCr)).events).toEqual(EXPECTED);
  });

  it("drops an event the stream ended in the middle of, and ignores unknown fields and bad retry values", async () => {
    const parsed = await parse(["retry: soon\nfoo: bar\ndata: kept\n\nevent: deployment\ndata: cut off"]);

    expect(parsed.events).toEqual([{ type: "message", data: "kept" }]);
    expect(parsed.retries).toEqual([]);
  });

  it("keeps the last id across events and takes a value without the space after the colon", async () => {
    const parsed = await parse(["id:41\ndata:a\n\ndata: b\n\nid: 42\n\n"]);

    expect(parsed.events).toEqual([
      { type: "message", data: "a", id: "41" },
      { type: "message", data: "b", id: "41" },
    ]);
    expect(parsed.lastEventId).toBe("42");
  });
});
