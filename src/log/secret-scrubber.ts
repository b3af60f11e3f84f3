/** Replacement written wherever a secret would have appeared. */
export const REDACTED = "[Redacted]";

/** Secrets shorter than this are not registered: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 6;

/**
 * Shapes that are secret whatever their value: JWTs and the credential part of
 * `Authorization` schemes. Applied to every serialized log line.
 */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const CREDENTIAL_PATTERN = /\b(Bearer|Basic)(\s+|%20)[A-Za-z0-9._~+/=-]{6,}/gi;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The last line of defence against secrets in logs: every serialized log line passes
 * through `scrub`, which replaces the known secret values (from the config) and
 * secret-shaped tokens with `[Redacted]`. The first lines of defence are the
 * allow-listed serializers and pino's `redact` paths.
 */
export class SecretScrubber {
  #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /** Replaces the set of known secret values (called on every config load). */
  setSecrets(values: Iterable<string>): void {
    const next = new Set<string>();
    for (const value of values) {
      if (value.length < MIN_SECRET_LENGTH) continue;
      next.add(value);
      // The forms a value takes inside JSON strings and URLs.
      next.add(JSON.stringify(value).slice(1, -1));
      next.add(encodeURIComponent(value));
    }
    this.#secrets = next;
    const sorted = [...next].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.#pattern = sorted.length === 0 ? undefined : new RegExp(sorted.join("|"), "g");
  }

  /** Adds values to the known secrets without dropping the others. */
  addSecrets(values: Iterable<string>): void {
    this.setSecrets([...this.#secrets, ...values]);
  }

  get size(): number {
    return this.#secrets.size;
  }

  scrub(line: string): string {
    let out = line;
    if (this.#pattern !== undefined) out = out.replace(this.#pattern, REDACTED);
    out = out.replace(JWT_PATTERN, REDACTED);
    return out.replace(CREDENTIAL_PATTERN, `$1$2${REDACTED}`);
  }
}
