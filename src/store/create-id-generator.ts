import { randomBytes } from "node:crypto";

/** Crockford base32: no I, L, O, U; digits before letters, so encoded strings sort like the numbers. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const RANDOM_BITS = BigInt(RANDOM_CHARS * 5);
const RANDOM_MAX = (1n << RANDOM_BITS) - 1n;

/** Creates an id from the current epoch milliseconds. */
export type IdGenerator = (nowMs: number) => string;

/**
 * Time-sortable unique ids: `prefix` + 10 base32 chars of epoch milliseconds + 16 base32 chars
 * (80 bits) of `node:crypto` randomness, like a ULID. Within one millisecond (or if the clock
 * steps back) the previous random part is incremented instead, so ids sort by creation order
 * within one generator. `lastId` (the greatest id already stored) seeds that order across restarts.
 */
export function createIdGenerator(prefix: string, lastId?: string): IdGenerator {
  let lastMs = -1;
  let lastRandom = 0n;
  const seed = lastId === undefined ? undefined : parseId(prefix, lastId);
  if (seed !== undefined) ({ ms: lastMs, random: lastRandom } = seed);

  return (nowMs) => {
    const ms = Math.floor(nowMs);
    if (ms > lastMs) {
      lastMs = ms;
      lastRandom = randomPart();
    } else if (lastRandom < RANDOM_MAX) {
      lastRandom += 1n;
    } else {
      lastMs += 1;
      lastRandom = randomPart();
    }
    return prefix + encode(BigInt(lastMs), TIME_CHARS) + encode(lastRandom, RANDOM_CHARS);
  };
}

/** True when `id` has the shape `createIdGenerator(prefix)` produces. */
export function isGeneratedId(prefix: string, id: string): boolean {
  return parseId(prefix, id) !== undefined;
}

function parseId(prefix: string, id: string): { ms: number; random: bigint } | undefined {
  if (!id.startsWith(prefix) || id.length !== prefix.length + TIME_CHARS + RANDOM_CHARS) return undefined;
  const body = id.slice(prefix.length);
  const ms = decode(body.slice(0, TIME_CHARS));
  const random = decode(body.slice(TIME_CHARS));
  if (ms === undefined || random === undefined || ms > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { ms: Number(ms), random };
}

function randomPart(): bigint {
  return BigInt(`0x${randomBytes((RANDOM_CHARS * 5) / 8).toString("hex")}`);
}

function encode(value: bigint, chars: number): string {
  let out = "";
  for (let i = 0, v = value; i < chars; i++, v >>= 5n) out = ALPHABET.charAt(Number(v & 31n)) + out;
  return out;
}

function decode(text: string): bigint | undefined {
  let value = 0n;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return undefined;
    value = (value << 5n) | BigInt(digit);
  }
  return value;
}
