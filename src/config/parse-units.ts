const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d)/g;

/**
 * Parses a duration such as `15s`, `10m`, `1h30m`, `500ms` or `2d` into milliseconds.
 * Returns undefined when the text is not a duration.
 */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(DURATION_PART)) {
    const unit = match[2] as keyof typeof DURATION_UNITS_MS;
    total += Number(match[1]) * DURATION_UNITS_MS[unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

const SIZE_UNITS = { b: 1, kb: 1_000, mb: 1_000_000, kib: 1_024, mib: 1_048_576 } as const;
const SIZE_PATTERN = /^(\d+)\s*(b|kb|mb|kib|mib)$/i;

/** Parses a byte size such as `1mb`, `512kb`, `1MiB` or `2048b`. Undefined when invalid. */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const unit = (match[2] ?? "b").toLowerCase() as keyof typeof SIZE_UNITS;
  const total = Number(match[1]) * SIZE_UNITS[unit];
  return Number.isSafeInteger(total) ? total : undefined;
}
