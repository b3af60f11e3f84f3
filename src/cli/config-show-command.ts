import type { ConfigSummary } from "../operations/index.js";
import { API_FLAGS, createAdminClient, JSON_FLAG } from "./admin-client.js";
import type { CliIo } from "./cli-command.js";
import { defineCommand } from "./define-command.js";

/** `GET /api/config`: the config a running drover uses (no values). */
type ConfigJson = ConfigSummary;

/** `drover config show`: the config a running `drover serve` has loaded. */
export const configShowCommand = defineCommand({
  words: ["config", "show"],
  summary: "the config a running drover uses: file, hash, reloads (admin API)",
  description: `Shows the mapping file a running drover serve has loaded, through the admin API: its hash,
when it was loaded, reloads (and the problems of the last refused one), and the names of its
environments and sources. Never a value.`,
  flags: { ...JSON_FLAG, ...API_FLAGS },
  async run({ values }, io: CliIo): Promise<number> {
    const config = (await createAdminClient(io, values).get("/api/config")) as ConfigJson;
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return 0;
    }
    const none = (names: readonly string[]): string => (names.length === 0 ? "none" : names.join(", "));
    const lines = [
      `file:          ${config.file}`,
      `hash:          ${config.hash}`,
      `loaded:        ${config.loadedAt}`,
      `reloads:       ${config.reloads} (${config.rejectedReloads} refused)`,
      `environments:  ${none(config.environments)}`,
      `sources:       ${none(config.sources)}`,
      `rules:         ${config.rules}`,
    ];
    if (config.lastRejected !== undefined) {
      lines.push(`last refused:  ${config.lastRejected.at} (${config.lastRejected.trigger})`);
      for (const problem of config.lastRejected.problems) lines.push(`  ${problem}`);
    }
    io.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  },
});
