import { describe, expect, it, vi } from "vitest";
import { UsageError } from "../../src/errors/index.js";
import { simulatorCommand } from "../../src/cli/simulator-command.js";
import { createTestIo } from "../helpers/cli-io.js";

const auth = { authorization: `Basic ${Buffer.from("drover-sim:drover-sim-secret").toString("base64")}` };

async function urlFrom(io: ReturnType<typeof createTestIo>): Promise<string> {
  let url = "";
  await vi.waitFor(() => {
    url = /listening on (http:\/\/\S+)/.exec(io.out())?.[1] ?? "";
    expect(url).not.toBe("");
  });
  return url;
}

describe("simulatorCommand", () => {
  it("serves the default seed until SIGTERM, printing its URL and keys, then resolves 0", async () => {
    const io = createTestIo();

    const running = simulatorCommand.run(["--port", "0", "--host", "127.0.0.1", "--time-scale", "0.01"], io);
    const url = await urlFrom(io);
    const reply = await fetch(`${url}/v2-beta/projects/1a5/services?name=frontend`, { headers: auth });
    const body = (await reply.json()) as { data: { id: string; state: string }[] };
    io.signals.emit("SIGTERM");
    const code = await running;

    expect(reply.status).toBe(200);
    expect(body.data.map((s) => `${s.id} ${s.state}`)).toEqual(["1s1 active"]);
    expect(io.out()).toContain("API key:    drover-sim / drover-sim-secret (project 1a5)");
    expect(io.out()).toContain("Time scale: 0.01");
    expect(code).toBe(0);
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
  });

  it("uses --access-key/--secret-key instead of the seed's keys and stops on SIGINT", async () => {
    const io = createTestIo();

    const running = simulatorCommand.run(
      ["--port", "0", "--access-key", "ak", "--secret-key", "sk", "--fault-rate", "0"],
      io,
    );
    const url = await urlFrom(io);
    const mine = await fetch(`${url}/v2-beta/projects`, {
      headers: { authorization: `Basic ${Buffer.from("ak:sk").toString("base64")}` },
    });
    const seeded = await fetch(`${url}/v2-beta/projects`, { headers: auth });
    io.signals.emit("SIGINT");

    expect(mine.status).toBe(200);
    expect(seeded.status).toBe(401);
    expect(await running).toBe(0);
  });

  it("prints its help for --help", async () => {
    const io = createTestIo();

    const code = await simulatorCommand.run(["--help"], io);

    expect(code).toBe(0);
    expect(io.out()).toBe(`${simulatorCommand.help}\n`);
    expect(simulatorCommand.help).toMatch(/^Usage: drover simulator/);
  });

  it.each([
    [["--bogus"]],
    [["--port", "x"]],
    [["--port", "70000"]],
    [["--time-scale", "0"]],
    [["--fault-rate", "1.5"]],
    [["--access-key", "only"]],
    [["extra"]],
  ])("throws a UsageError for %j", async (args) => {
    const io = createTestIo();

    await expect(simulatorCommand.run(args, io)).rejects.toBeInstanceOf(UsageError);
  });

  it("fails with the seed's problems for an invalid --seed file", async () => {
    const io = createTestIo();

    await expect(simulatorCommand.run(["--port", "0", "--seed", "/nonexistent.yml"], io)).rejects.toThrow(
      /cannot read the file/,
    );
  });
});
