import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The built CLI (`npm test` builds first) as a real child process. */
function drover(args: string[]) {
  const child = spawn(process.execPath, [`${root}bin/drover.js`, ...args], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  /** Resolves once it logs "listening"; rejects if it exits first. */
  const listening = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (stdout.includes('"msg":"listening"')) resolve();
      };
      child.stdout.on("data", check);
      check();
      void exited.then((code) => reject(new Error(`exited ${String(code)} before listening: ${stderr}`)));
    });
  return { child, exited, listening, stdout: () => stdout, stderr: () => stderr };
}

describe("one drover serve per database", () => {
  beforeAll(() => {
    if (!existsSync(`${root}dist/main.js`))
      throw new Error("dist/ is missing: run `npm run build` (npm test does)");
  });

  it("refuses a second serve on the same file, naming it and the holder's pid, until the first is killed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drover-lock-"));
    const database = join(dir, "drover.db");
    const config = join(dir, "drover.yml");
    writeFileSync(
      config,
      `storage: { path: ${database} }\nserver: { host: 127.0.0.1, port: 0 }\nenvironments:\n  demo: { simulator: default }\nrules:\n  - image: shop/web\n    tags: { exact: latest }\n    targets: [{ environment: demo, stack: shop, service: frontend }]\n`,
    );

    const first = drover(["serve", "--config", config]);
    await first.listening();
    const second = drover(["serve", "--config", config]);
    const secondCode = await second.exited;
    // The CLI that shares the database with a running serve still works.
    const queued = drover([
      "deploy",
      "shop/web:latest",
      "--target",
      "demo/shop/frontend",
      "--config",
      config,
    ]);
    const queuedCode = await queued.exited;
    first.child.kill("SIGKILL");
    await first.exited;
    const third = drover(["serve", "--config", config]);
    await third.listening();
    third.child.kill("SIGTERM");
    const thirdCode = await third.exited;

    expect(secondCode).toBe(75);
    expect(second.stderr()).toContain(`the database ${database} is in use by another drover serve`);
    expect(second.stderr()).toContain(`process ${String(first.child.pid)}`);
    expect(second.stderr()).toContain(`${database}.lock`);
    expect(second.stdout()).not.toContain('"msg":"listening"');
    expect(queuedCode).toBe(0);
    expect(thirdCode).toBe(0);
  });
});
