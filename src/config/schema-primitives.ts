import { z } from "zod";
import { parseByteSize, parseDurationMs } from "./parse-units.js";

/** A duration: milliseconds as a number, or text such as `15s`, `10m`, `1h30m`. Output: ms. */
export const durationMs = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const ms = parseDurationMs(value.trim());
  if (ms === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `"${value}" is not a duration; use a number of milliseconds or text such as 500ms, 15s, 10m, 1h30m`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A byte size: a number of bytes, or text such as `1mb`, `512kb`, `1MiB`. Output: bytes. */
export const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes <= 0) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a size; use e.g. 1mb, 512kb or 1048576` });
    return z.NEVER;
  }
  return bytes;
});

/** An absolute `http://` or `https://` URL. */
export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });
