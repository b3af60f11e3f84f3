import { createApp, type App, type AppDeps } from "../../src/app.js";
import { ConfigHolder, loadConfig, type LoadedConfig } from "../../src/config/index.js";
import { captureLogs, type CapturedLogs } from "./capture-logs.js";

export interface TestAppOptions extends Partial<Omit<AppDeps, "configHolder" | "logger">> {
  /** Where log lines go (default: a fresh capture at `info`). */
  readonly logs?: CapturedLogs;
  /** The environment `${VAR}` references read (default: none). */
  readonly env?: Readonly<Record<string, string>>;
  /** Feed the config's secrets to the log scrubber, as `drover serve` does. */
  readonly scrubSecrets?: boolean;
}

export interface TestApp {
  readonly app: App;
  readonly logs: CapturedLogs;
  readonly configHolder: ConfigHolder;
}

/**
 * The whole app (`createApp`) on a mapping file given as text — a function is read again on every
 * reload — with health checks every 50 ms unless `verifyIntervalMs` says otherwise. Nothing listens.
 */
export function createTestApp(text: string | (() => string), options: TestAppOptions = {}): TestApp {
  const { logs = captureLogs("info"), env = {}, scrubSecrets = false, ...deps } = options;
  const read = typeof text === "string" ? () => text : text;
  const load = (): LoadedConfig => loadConfig({ file: "drover.yml", env, readFile: read });
  const initial = load();
  if (scrubSecrets) logs.scrubber.setSecrets(initial.secrets);
  const configHolder = new ConfigHolder({ initial, load, logger: logs.logger });
  const app = createApp({ verifyIntervalMs: 50, ...deps, configHolder, logger: logs.logger });
  return { app, logs, configHolder };
}
