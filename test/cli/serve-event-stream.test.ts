import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serveCommand } from "../../src/cli/serve-command.js";
import { createTestIo } from "../helpers/cli-io.js";
import { openSse } from "../helpers/sse-client.js";

const TOKEN = "admin-token-for-serve-stream-001";

describe("drover serve with open event streams", () => {
  it("ends every /api/events stream on SIGTERM and stops in time with 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drover-serve-events-"));
    const file = join(dir, "drover.yml");
    // A long grace: a stream holding the drain up would show as inTime false.
    writeFileSync(
      file,
      `storage: { path: "${join(dir, "drover.db")}" }\nserver: { shutdownGrace: 60s }\nenvironments:\n  demo: { simulator: default }\n`,
    );
    const io = createTestIo({ LOG_LEVEL: "info", DROVER_ADMIN_TOKEN: TOKEN });

    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    const listening = await io.waitForLog("listening");
    const url = `http://127.0.0.1:${String(listening["port"])}/api/events`;
    const streams = await Promise.all([
      openSse(url, { authorization: `Bearer ${TOKEN}` }),
      openSse(`${url}?since=0`, { authorization: `Bearer ${TOKEN}` }),
    ]);
    await Promise.all(
      streams.map((client) => client.waitFor((message) => message.retry === "2000", "retry")),
    );
    io.signals.emit("SIGTERM");
    const code = await running;
    const stopped = await io.waitForLog("stopped");
    await Promise.all(streams.map((client) => client.ended));

    expect(streams.map((client) => client.status)).toEqual([200, 200]);
    expect(code).toBe(0);
    expect(stopped["inTime"]).toBe(true);
  });
});
