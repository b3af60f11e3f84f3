import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = `${root}bin/drover.js`;

/** Runs the built CLI (`npm test` builds first) as a real child process. */
function drover(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("drover serve (child process)", () => {
  beforeAll(() => {
    if (!existsSync(`${root}dist/main.js`))
      throw new Error("dist/ is missing: run `npm run build` (npm test does)");
  });

  it("serves the demo config, answers /healthz and the dashboard, and exits 0 on SIGTERM", async () => {
    const proc = drover(["serve", "--config", "config/drover.yml", "--port", "0", "--host", "127.0.0.1"]);

    const port = await waitFor(
      () => (/"msg":"listening"/.test(proc.stdout()) ? /"port":(\d+)/.exec(proc.stdout())?.[1] : undefined),
      10_000,
    );
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    // The dashboard's files are found from dist/http/ (the compiler does not copy src/dashboard/).
    const shell = await fetch(`http://127.0.0.1:${port}/deployments/d_1`);
    const script = await fetch(`http://127.0.0.1:${port}/ui/app.js`);
    proc.child.kill("SIGTERM");
    const code = await proc.exited;

    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('<script type="module" src="/ui/app.js"></script>');
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(code).toBe(0);
    expect(proc.stdout()).toContain('"msg":"stopped"');
  });

  it("config check reports three mistakes with lines and exits 1", async () => {
    const proc = drover(["config", "check", "test/fixtures/config/three-mistakes.yml"], {
      RANCHER_ACCESS_KEY: "ak-123456",
    });

    const code = await proc.exited;

    expect(code).toBe(1);
    expect(proc.stderr()).toMatch(/three-mistakes\.yml:6:16: [^\n]*DROVER_TEST_UNSET_SECRET is not set/);
    expect(proc.stderr()).toMatch(/three-mistakes\.yml:11:24: [^\n]*"staging" is not defined/);
    expect(proc.stderr()).toMatch(/three-mistakes\.yml:12:5: [^\n]*unknown key "tagz"/);
  });

  it("exits 2 on an unknown flag, with a suggestion", async () => {
    const proc = drover(["serve", "--prot", "8080"]);

    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toMatch(
      /^drover serve: unknown option --prot; did you mean --port\?\nUsage: drover serve/,
    );
  });

  it("prints the package version from dist/ for --version", async () => {
    const { version } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string };
    const proc = drover(["--version"]);

    expect(await proc.exited).toBe(0);
    expect(proc.stdout()).toBe(`drover ${version}\n`);
  });

  it("names the cause when drover cannot be reached", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const proc = drover(["deployments", "list", "--url", `http://127.0.0.1:${port}`]);

    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toMatch(
      /^drover: cannot reach drover at http:\/\/127\.0\.0\.1:\d+: connection refused — is `drover serve` running\? \(set --url or DROVER_URL\)\n$/,
    );
  });
});
