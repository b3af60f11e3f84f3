import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import type { CliIo } from "../../src/cli/cli-command.js";

export interface TestIo extends CliIo {
  readonly signals: EventEmitter;
  out(): string;
  err(): string;
  /** Resolves with the first stdout JSON line whose `msg` is `msg`. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

function collector(): { stream: Writable; text: () => string; events: EventEmitter } {
  const chunks: string[] = [];
  const events = new EventEmitter();
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      events.emit("data");
      callback();
    },
  });
  return { stream, text: () => chunks.join(""), events };
}

/** CliIo with in-memory stdout/stderr and a fake signal emitter. */
export function createTestIo(env: NodeJS.ProcessEnv = {}): TestIo {
  const stdout = collector();
  const stderr = collector();
  const signals = new EventEmitter();
  const findLog = (msg: string): Record<string, unknown> | undefined =>
    stdout
      .text()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line["msg"] === msg);
  return {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env,
    signals,
    out: stdout.text,
    err: stderr.text,
    waitForLog: (msg, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${msg}" log line within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = (): void => {
          const found = findLog(msg);
          if (found === undefined) return;
          clearTimeout(timer);
          stdout.events.off("data", check);
          resolve(found);
        };
        stdout.events.on("data", check);
        check();
      }),
  };
}
