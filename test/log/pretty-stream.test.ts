import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { logFormat } from "../../src/cli/cli-logger.js";
import { readProcessSettings } from "../../src/config/index.js";
import { createLogger, formatPrettyLine, SecretScrubber } from "../../src/log/index.js";
import { createTestIo } from "../helpers/cli-io.js";

const SECRET = "rancher-secret-key-0123456789";

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    }),
    text: () => chunks.join(""),
  };
}

function logBoth(colors: boolean): { json: string; pretty: string } {
  const json = capture();
  const pretty = capture();
  for (const [out, format] of [
    [json, "json"],
    [pretty, "pretty"],
  ] as const) {
    const scrubber = new SecretScrubber();
    scrubber.setSecrets([SECRET]);
    const logger = createLogger({ scrubber, destination: out.stream, format, colors });
    logger
      .child({ component: "rancher" })
      .warn({ attempt: 2, note: `key ${SECRET}`, url: "a b" }, "call failed");
    logger.error({ err: new Error(`boom with ${SECRET}`) }, "deployment failed");
  }
  return { json: json.text(), pretty: pretty.text() };
}

describe("pretty logs", () => {
  it("renders the same lines for a human, with the secret scrubbed in both formats", () => {
    const { json, pretty } = logBoth(false);

    for (const text of [json, pretty]) {
      expect(text).toContain("[Redacted]");
      expect(text).not.toContain(SECRET);
    }
    const [warn = "", error = ""] = json
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warn).toMatchObject({ level: "warn", msg: "call failed", component: "rancher", attempt: 2 });
    expect(error).toMatchObject({ level: "error", msg: "deployment failed" });

    const lines = pretty.split("\n");
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN  call failed component=rancher attempt=2 note="key \[Redacted\]" url="a b"$/,
    );
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR deployment failed$/);
    expect(lines[2]).toBe("    Error: boom with [Redacted]");
    expect(lines[3]).toMatch(/^ {4}\s*at /);
    expect(pretty).not.toContain("\u001b[");
  });

  it("colours the level when asked", () => {
    const { pretty } = logBoth(true);

    expect(pretty).toContain("\u001b[33mWARN \u001b[0m");
    expect(pretty).toContain("\u001b[31mERROR\u001b[0m");
    expect(pretty).not.toContain(SECRET);
  });

  it("passes through a line that is not a JSON object", () => {
    expect(formatPrettyLine("plain text\n", { colors: false })).toBe("plain text\n");
    expect(formatPrettyLine("[1,2]\n", { colors: false })).toBe("[1,2]\n");
  });
});

describe("log format choice", () => {
  const choose = (env: NodeJS.ProcessEnv, isTTY: boolean) =>
    logFormat({ ...createTestIo(env), isTTY }, readProcessSettings(env));

  it("is pretty and coloured on a terminal, JSON when piped; LOG_FORMAT and NO_COLOR decide otherwise", () => {
    expect(choose({}, true)).toEqual({ format: "pretty", colors: true });
    expect(choose({}, false)).toEqual({ format: "json", colors: false });
    expect(choose({ NO_COLOR: "1" }, true)).toEqual({ format: "pretty", colors: false });
    expect(choose({ NO_COLOR: "" }, true)).toEqual({ format: "pretty", colors: true });
    expect(choose({ LOG_FORMAT: "json" }, true)).toEqual({ format: "json", colors: false });
    expect(choose({ LOG_FORMAT: "pretty" }, false)).toEqual({ format: "pretty", colors: false });
    expect(() => readProcessSettings({ LOG_FORMAT: "xml" })).toThrow(/LOG_FORMAT/);
  });
});
