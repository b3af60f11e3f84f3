const SECRET_KEY = /(secret|token|bearer|password|accesskey|secretkey|hmac)/i;

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
