export {
  loadConfig,
  MAX_CONFIG_BYTES,
  type Config,
  type LoadedConfig,
  type LoadConfigOptions,
  type NotificationSettings,
  type SourceSettings,
} from "./load-config.js";
export {
  ConfigHolder,
  type ConfigHolderOptions,
  type ConfigListener,
  type ConfigStatus,
  type ReloadResult,
  type ReloadTrigger,
} from "./config-holder.js";
export { watchConfigFile, DEFAULT_RELOAD_DEBOUNCE_MS } from "./watch-config-file.js";
export { envSchema, readAdminToken, readProcessSettings, type ProcessSettings } from "./env-schema.js";
export { parseByteSize, parseDurationMs } from "./parse-units.js";
export type {
  EnvironmentConfig,
  MappingConfig,
  MappingRule,
  RuleTarget,
  TagPolicy,
} from "./mapping-schema.js";
export { collectNotificationSecrets } from "./collect-secrets.js";
export { readCiPublicKey } from "./read-ci-public-key.js";
export { restartOnlyChanges, warnRestartOnlyChanges } from "./restart-only-changes.js";
/** The settings schemas of the webhook sources and of the notifiers (the plug-in registries' config side). */
export { SOURCE_SETTINGS, type SourceName } from "./source-settings.js";
export { NOTIFIER_SETTINGS, type NotifierSettingKey } from "./notifier-settings.js";
