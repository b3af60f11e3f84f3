import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let work: string;

/**
 * Transpiles the store and the folders it imports into a temp dir, so a plain `node` child runs
 * the current sources (no loader needed, independent of `dist/`).
 */
function transpileStore(into: string): void {
  for (const folder of ["store", "domain", "errors"]) {
    mkdirSync(join(into, folder), { recursive: true });
    for (const file of readdirSync(join(root, "src", folder)).filter((name) => name.endsWith(".ts"))) {
      const source = readFileSync(join(root, "src", folder, file), "utf8");
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(into, folder, file.replace(/\.ts$/, ".js")), outputText);
    }
  }
  writeFileSync(join(into, "package.json"), '{ "type": "module" }');
  symlinkSync(join(root, "node_modules"), join(into, "node_modules"), "dir");
}

/** Writes deliveries and transitions as fast as it can; prints one line per committed write. */
const CHILD = `
import { openStore } from "./store/index.js";
const store = openStore({ path: process.argv[2] });
const settings = { strategy: { batchSize: 1, intervalMillis: 0, startFirst: false }, upgradeTimeoutMs: 1,
  verify: { soakMs: 1, timeoutMs: 1 }, onFailure: "rollback", onUpgradedLeftover: "finish" };
for (let i = 0; ; i++) {
  const { deployments } = store.recordDelivery(
    { source: "registry", deliveryId: "evt-" + i, fingerprint: "f" + i, windowMs: 1000 },
    [{ target: { environment: "e", stack: "s", service: "svc" + (i % 7) }, image: "img", tag: String(i), source: "registry", settings }],
  );
  const id = deployments[0].id;
  process.stdout.write("queued " + i + " " + id + "\\n");
  store.transition({ id, from: "queued", to: "preparing", detail: "x", patch: { pendingAction: "upgrade" } });
  process.stdout.write("preparing " + i + " " + id + "\\n");
}
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "drover-crash-"));
  transpileStore(join(work, "app"));
  writeFileSync(join(work, "app", "child.js"), CHILD);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("SqliteDeploymentStore", () => {
  it("keeps every acknowledged write when the process is killed with SIGKILL", async () => {
    const path = join(work, "data", "drover.db");
    const child = spawn(process.execPath, [join(work, "app", "child.js"), path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "close");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child wrote too little: ${stderr}`)), 15_000);
      child.stdout.on("data", () => {
        if (stdout.split("\n").length > 600) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    child.kill("SIGKILL");
    const [, signal] = await exited;
    const acknowledged = new Map<string, string>();
    // Only whole lines: a line is printed after its write committed.
    for (const line of stdout.split("\n").slice(0, -1)) {
      const [state, , id] = line.split(" ");
      if (state !== undefined && id !== undefined) acknowledged.set(id, state);
    }
    const store = openStore({ path });

    expect(signal).toBe("SIGKILL");
    expect(acknowledged.size).toBeGreaterThan(250);
    for (const [id, state] of acknowledged) {
      const deployment = store.get(id);
      expect(deployment?.state === state || (state === "queued" && deployment?.state === "preparing")).toBe(
        true,
      );
      expect(store.events(id).length).toBe(deployment?.state === "preparing" ? 2 : 1);
    }
    const check = new Database(path, { readonly: true });
    expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    check.close();
    store.close();
  });
});
