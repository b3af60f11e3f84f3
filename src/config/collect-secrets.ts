import { NOTIFIER_SETTINGS, type NotifierSettingKey } from "./notifier-settings.js";

const SECRET_KEY = /(secret|token|bearer|password|accesskey|secretkey|hmac)/i;

/**
 * Whether a value at this document path is a secret: under a secret-looking key (accessKey,
 * secretKey, token, …) or in `notifications:` (channel URLs carry tokens).
 */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  return (
    path[0] === "notifications" ||
    path.some((segment) => typeof segment === "string" && SECRET_KEY.test(segment))
  );
}

/**
 * Every string value stored under a secret-looking key (accessKey, secretKey, token,
 * bearer, jwtSecret, …), for the log scrubber. Values that are not strings are skipped.
 */
export function collectSecrets(value: unknown, underSecretKey = false): string[] {
  if (typeof value === "string") return underSecretKey ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => collectSecrets(item, underSecretKey));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) =>
      collectSecrets(item, underSecretKey || SECRET_KEY.test(key)),
    );
  }
  return [];
}

/** Paths and queries at least this long are registered with the log scrubber on their own. */
const MIN_SECRET_PATH_LENGTH = 20;

/** The `notifications:` section as far as secrets go: channel lists are arrays of entries. */
type NotificationChannels = { readonly [K in NotifierSettingKey]: unknown };

/**
 * Secret values of the `notifications:` section: the URL of every entry of every channel list
 * (as written and normalised), its path and query when 20+ characters (Slack's token lives
 * there), and every value under a secret-named key (webhook `secret`). `collectSecrets` already
 * finds `secret`, but not `url` (the key name does not look secret).
 */
export function collectNotificationSecrets(settings: NotificationChannels): string[] {
  const values = new Set<string>();
  const entries = (Object.keys(NOTIFIER_SETTINGS) as NotifierSettingKey[]).flatMap((key) => {
    const channels = settings[key];
    return Array.isArray(channels) ? (channels as unknown[]) : [];
  });
  for (const entry of entries) {
    const url = (entry as { readonly url?: unknown } | null)?.url;
    if (typeof url !== "string") continue;
    values.add(url);
    try {
      const parsed = new URL(url);
      values.add(parsed.href);
      const rest = `${parsed.pathname}${parsed.search}`;
      // Short paths (`/hooks`) are ordinary text that scrubbing would mangle in other log lines.
      if (rest.length >= MIN_SECRET_PATH_LENGTH) values.add(rest);
    } catch {
      // The schema validated the URL; nothing more to add.
    }
  }
  for (const secret of collectSecrets(entries)) values.add(secret);
  return [...values];
}
