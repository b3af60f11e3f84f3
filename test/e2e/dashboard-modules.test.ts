/**
 * The dashboard's client modules, run in Chromium as the page loads them: the event-stream parser
 * (src/dashboard/sse.js: events split across chunks anywhere, CR/LF/CRLF line ends, comments, ids
 * that persist, `retry:`, multi-line data, an unfinished event at the end dropped), the phase
 * timeline (phases.js) and the image:tag entry (dom.js).
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

/** Runs `expression` in the page with the dashboard module `module` imported as `m`. */
function withModule<T>(module: string, expression: string): Promise<T> {
  return page.evaluate<T>(
    `(async () => { const m = await import("/ui/${module}"); return ${expression}; })()`,
  );
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString();
const transition = (seq: number, state: string, seconds: number) => ({
  seq,
  state,
  at: at(seconds),
  kind: "transition",
});

describe("dashboard phase timeline (in Chromium)", () => {
  it("gives each phase the time until the next transition, and the end state", async () => {
    const events = [
      transition(1, "queued", 0),
      transition(2, "preparing", 1),
      { seq: 3, state: "preparing", at: at(2), kind: "action" },
      transition(4, "upgrading", 3),
      transition(5, "verifying", 13),
      transition(6, "finishing", 16),
      transition(7, "succeeded", 17),
    ];

    const timeline = await withModule<unknown>(
      "phases.js",
      `m.phaseTimeline(${JSON.stringify(events)}, "succeeded", 0)`,
    );

    expect(timeline).toEqual({
      phases: [
        { state: "queued", status: "done", ms: 1000 },
        { state: "preparing", status: "done", ms: 2000 },
        { state: "upgrading", status: "done", ms: 10_000 },
        { state: "verifying", status: "done", ms: 3000 },
        { state: "finishing", status: "done", ms: 1000 },
      ],
      end: { state: "succeeded", at: Date.parse(at(17)) },
    });
  });

  it("counts the current phase up to now and marks the later ones pending", async () => {
    const events = [transition(1, "queued", 0), transition(2, "preparing", 1), transition(3, "upgrading", 2)];

    const timeline = await withModule<{ phases: unknown[]; end?: unknown }>(
      "phases.js",
      `m.phaseTimeline(${JSON.stringify(events)}, "upgrading", ${String(Date.parse(at(7)))})`,
    );

    expect(timeline.phases).toEqual([
      { state: "queued", status: "done", ms: 1000 },
      { state: "preparing", status: "done", ms: 1000 },
      { state: "upgrading", status: "current", ms: 5000 },
      { state: "verifying", status: "pending" },
      { state: "finishing", status: "pending" },
    ]);
    expect(timeline.end).toBeUndefined();
  });

  it("shows the phases reached, then rolling back; a phase entered twice adds up", async () => {
    const events = [
      transition(1, "queued", 0),
      transition(2, "preparing", 1),
      transition(3, "upgrading", 2),
      transition(4, "preparing", 4), // resumed after a restart
      transition(5, "upgrading", 5),
      transition(6, "rolling-back", 25),
      transition(7, "rolled-back", 30),
    ];

    const timeline = await withModule<{ phases: unknown[] }>(
      "phases.js",
      `m.phaseTimeline(${JSON.stringify(events)}, "rolled-back", 0)`,
    );

    expect(timeline.phases).toEqual([
      { state: "queued", status: "done", ms: 1000 },
      { state: "preparing", status: "done", ms: 2000 },
      { state: "upgrading", status: "done", ms: 22_000 },
      { state: "rolling-back", status: "done", ms: 5000 },
    ]);
  });

  it("marks the phases a skipped deployment never reached", async () => {
    const events = [transition(1, "queued", 0), transition(2, "skipped", 1)];

    const timeline = await withModule<{ phases: { status: string }[]; end: unknown }>(
      "phases.js",
      `m.phaseTimeline(${JSON.stringify(events)}, "skipped", 0)`,
    );

    expect(timeline.phases.map((phase) => phase.status)).toEqual([
      "done",
      "skipped",
      "skipped",
      "skipped",
      "skipped",
    ]);
    expect(timeline.end).toEqual({ state: "skipped", at: Date.parse(at(1)) });
  });
});

describe("dashboard image:tag entry (in Chromium)", () => {
  it("splits at the tag's colon, never at a registry port", async () => {
    const cases = [
      "localhost:5000/shop/web:1.2",
      " nginx:1.25 ",
      "localhost:5000/shop/web",
      "nginx",
      "nginx:",
      ":1",
    ];

    const split = await withModule<unknown[]>(
      "dom.js",
      `${JSON.stringify(cases)}.map((text) => m.splitImageTag(text) ?? null)`,
    );

    expect(split).toEqual([
      { image: "localhost:5000/shop/web", tag: "1.2" },
      { image: "nginx", tag: "1.25" },
      null,
      null,
      null,
      null,
    ]);
  });
});
