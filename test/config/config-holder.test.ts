import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigHolder, loadConfig, watchConfigFile, type LoadedConfig } from "../../src/config/index.js";
import { captureLogs } from "../helpers/capture-logs.js";

const validYaml = (tag: string): string =>
  `environments:\n  demo: { simulator: default }\nrules:\n  - image: shop/web\n    tags: { exact: ${tag} }\n    targets: [{ environment: demo, stack: shop, service: web }]\n`;

function setup(): { file: string; holder: ConfigHolder; logs: ReturnType<typeof captureLogs> } {
  const dir = mkdtempSync(join(tmpdir(), "drover-config-"));
  const file = join(dir, "drover.yml");
  writeFileSync(file, validYaml("v1"));
  const logs = captureLogs();
  const load = (): LoadedConfig => loadConfig({ file, env: {} });
  const holder = new ConfigHolder({ initial: load(), load, logger: logs.logger });
  return { file, holder, logs };
}

describe("ConfigHolder", () => {
  it("swaps to a valid new file atomically and notifies listeners", () => {
    const { file, holder } = setup();
    const before = holder.current;
    const seen: string[] = [];
    holder.subscribe((next, previous) => seen.push(`${previous.hash.slice(0, 6)}→${next.hash.slice(0, 6)}`));
    writeFileSync(file, validYaml("v2"));

    const result = holder.reload("signal");

    expect(result.outcome).toBe("swapped");
    expect(holder.current.config.rules[0]?.tags).toEqual({ exact: "v2" });
    expect(before.config.rules[0]?.tags).toEqual({ exact: "v1" });
    expect(holder.status()).toMatchObject({ reloads: 1, rejectedReloads: 0, hash: holder.current.hash });
    expect(seen).toEqual([`${before.hash.slice(0, 6)}→${holder.current.hash.slice(0, 6)}`]);
  });

  it("rejects an invalid file, keeps the old config and records why", () => {
    const { file, holder, logs } = setup();
    const before = holder.current;
    writeFileSync(file, `${validYaml("v2")}bogus: true\n`);

    const result = holder.reload("file");

    expect(result.outcome).toBe("rejected");
    expect(holder.current).toBe(before);
    const status = holder.status();
    expect(status).toMatchObject({ reloads: 0, rejectedReloads: 1, hash: before.hash });
    expect(status.lastRejected?.trigger).toBe("file");
    expect(status.lastRejected?.problems[0]).toMatch(/drover\.yml:7:1: bogus: unknown key "bogus"/);
    expect(
      logs.lines().some((line) => line["msg"] === "config reload rejected, keeping the previous config"),
    ).toBe(true);
  });

  it("does not count a reload of identical content as a swap", () => {
    const { file, holder } = setup();
    writeFileSync(file, validYaml("v1"));

    expect(holder.reload("signal").outcome).toBe("unchanged");
    expect(holder.status().reloads).toBe(0);
  });
});

describe("watchConfigFile", () => {
  it("reloads once (debounced) after several writes, including a save-by-rename", async () => {
    const { file, holder } = setup();
    let calls = 0;
    const swapped = new Promise<void>((resolve) => {
      holder.subscribe(() => resolve());
    });
    const stop = watchConfigFile(
      file,
      () => {
        calls += 1;
        holder.reload("file");
      },
      100,
    );
    writeFileSync(file, validYaml("v1"));
    writeFileSync(`${file}.tmp`, validYaml("v3"));
    renameSync(`${file}.tmp`, file);

    await swapped;
    stop();

    expect(calls).toBe(1);
    expect(holder.current.config.rules[0]?.tags).toEqual({ exact: "v3" });
  });
});
