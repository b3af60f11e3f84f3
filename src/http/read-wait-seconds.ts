import { WaitInvalidError, WaitUnsupportedError } from "../errors/index.js";

/** The longest `?wait=` accepted, in seconds (one hour). */
export const MAX_WAIT_SECONDS = 3_600;

/**
 * The `wait` query parameter of `url` in seconds, or undefined when there is none. Only the
 * canonical decimal form is accepted (`1` … `3600`; no sign, leading zero, fraction or exponent),
 * and only once.
 *
 * @throws {WaitUnsupportedError} when the parameter is present and `supported` is false.
 * @throws {WaitInvalidError} when it is repeated or not an integer from 1 to 3600.
 */
export function readWaitSeconds(url: string, supported: boolean): number | undefined {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return undefined;
  const values = new URLSearchParams(url.slice(queryStart + 1)).getAll("wait");
  if (values.length === 0) return undefined;
  if (!supported) throw new WaitUnsupportedError("wait is only supported on /hooks/ci");
  const problem = `wait must be a whole number of seconds from 1 to ${MAX_WAIT_SECONDS}`;
  if (values.length > 1) throw new WaitInvalidError(`${problem}, given once`);
  const text = values[0] ?? "";
  const seconds = /^[1-9][0-9]{0,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds <= MAX_WAIT_SECONDS)) throw new WaitInvalidError(problem);
  return seconds;
}
