import { UsageError } from "../errors/index.js";
import { createRancherSimulator, type RancherSimulatorOptions } from "../simulator/index.js";
import type { CliIo } from "./cli-command.js";
import { defineCommand } from "./define-command.js";
import type { FlagSpecs, FlagValues } from "./parse-cli-args.js";

function parseNumber(
  value: string | undefined,
  flag: string,
  check: (n: number) => boolean,
  rule: string,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || !check(number))
    throw new UsageError(`${flag} must be ${rule}`);
  return number;
}

const FLAGS = {
  port: { type: "string", value: "N", description: "listen port (default 8080; 0 picks a free port)" },
  host: { type: "string", value: "H", description: "listen address (default 127.0.0.1)" },
  seed: {
    type: "string",
    value: "FILE",
    description: "seed YAML (default: the built-in seed, config/seed/default.yml)",
  },
  "time-scale": {
    type: "string",
    value: "F",
    description: "real time per simulated time, > 0 (default 1; 0.05 runs 20x faster)",
  },
  "access-key": {
    type: "string",
    value: "K",
    description: "API key to accept instead of the seed's keys (needs --secret-key)",
  },
  "secret-key": { type: "string", value: "S", description: "the secret of --access-key" },
  "fault-rate": {
    type: "string",
    value: "R",
    description: "share of API requests answered 500/503, 0..1 (default 0)",
  },
} as const satisfies FlagSpecs;

function parse(values: FlagValues<typeof FLAGS>): RancherSimulatorOptions {
  const port = parseNumber(
    values.port,
    "--port",
    (n) => Number.isInteger(n) && n >= 0 && n <= 65_535,
    "a port number (0-65535)",
  );
  const timeScale = parseNumber(
    values["time-scale"],
    "--time-scale",
    (n) => n > 0,
    "a number greater than 0",
  );
  const faultRate = parseNumber(
    values["fault-rate"],
    "--fault-rate",
    (n) => n >= 0 && n <= 1,
    "a number from 0 to 1",
  );
  const accessKey = values["access-key"];
  const secretKey = values["secret-key"];
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new UsageError("--access-key and --secret-key must be given together");
  }
  return {
    port: port ?? 8080,
    host: values.host ?? "127.0.0.1",
    ...(values.seed === undefined ? {} : { seedFile: values.seed }),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(accessKey === undefined || secretKey === undefined ? {} : { apiKey: { accessKey, secretKey } }),
    ...(faultRate === undefined ? {} : { faults: { errorRate: faultRate } }),
  };
}

/** `drover simulator`: runs the Rancher 1.6 simulator standalone until SIGTERM/SIGINT (exit 0). */
export const simulatorCommand = defineCommand({
  words: ["simulator"],
  summary: "run the Rancher 1.6 API simulator",
  description: `Runs the Rancher 1.6 API simulator until SIGTERM/SIGINT. The API is served under /v1 and
/v2-beta; see docs/simulator.md.`,
  flags: FLAGS,
  notes: `Image tags starting with bad-, nopull-, flaky-, slow- or crash- trigger scripted failures.

Example:
  drover simulator --port 18081 --time-scale 0.05
  curl -u drover-sim:drover-sim-secret http://127.0.0.1:18081/v2-beta/projects/1a5/services`,
  async run({ values }, io: CliIo): Promise<number> {
    const options = parse(values);
    const simulator = await createRancherSimulator(options);
    const lines = [
      `Rancher 1.6 simulator listening on ${simulator.url}`,
      `  API:        ${simulator.url}/v2-beta (and ${simulator.url}/v1)`,
      `  Project:    ${simulator.projectId}`,
      ...simulator.keys.map(
        (key) => `  API key:    ${key.accessKey} / ${key.secretKey} (project ${key.project})`,
      ),
      `  Time scale: ${String(options.timeScale ?? 1)}`,
      "Stop with Ctrl-C (SIGINT) or SIGTERM.",
    ];
    io.stdout.write(`${lines.join("\n")}\n`);
    const signals = io.signals ?? process;
    return await new Promise<number>((resolve) => {
      const stop = (): void => {
        signals.off("SIGTERM", stop);
        signals.off("SIGINT", stop);
        simulator.close().then(
          () => {
            io.stdout.write("Rancher simulator stopped\n");
            resolve(0);
          },
          (error: unknown) => {
            io.stderr.write(`drover simulator: ${error instanceof Error ? error.message : String(error)}\n`);
            resolve(1);
          },
        );
      };
      signals.on("SIGTERM", stop);
      signals.on("SIGINT", stop);
    });
  },
});
