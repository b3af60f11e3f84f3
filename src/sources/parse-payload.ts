import { z } from "zod";
import { PayloadInvalidError } from "../errors/index.js";
import { DIGEST_PATTERN, REPOSITORY_PATTERN, TAG_PATTERN } from "../domain/index.js";

/** Longest free-text field kept from a payload (pusher names, ids, URLs). */
export const MAX_TEXT_LENGTH = 2_048;
const MAX_ISSUES_SHOWN = 3;
const MAX_ISSUE_LENGTH = 200;

/** A string of bounded length. */
export const text = (max = MAX_TEXT_LENGTH) => z.string().max(max);

/** A Docker tag (`[\w][\w.-]{0,127}`). */
export const tagText = z
  .string()
  .max(128)
  .regex(TAG_PATTERN, "must be a Docker tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})");

/** A manifest digest `sha256:<64 hex>`. */
export const digestText = z
  .string()
  .max(80)
  .regex(DIGEST_PATTERN, "must be a digest sha256:<64 lower-case hex digits>");

/** A lower-case repository path (`shop/web`). */
export const repositoryText = z
  .string()
  .max(255)
  .regex(REPOSITORY_PATTERN, "must be a lower-case repository path such as shop/web");

/**
 * Validates a parsed JSON value against a schema.
 *
 * @throws {PayloadInvalidError} (422) naming the first few problems by path; input values are not echoed.
 */
export function parsePayload<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  throw invalidPayload(what, result.error.issues);
}

/** A 422 for `what`, listing the first few issues. */
export function invalidPayload(
  what: string,
  issues: readonly z.core.$ZodIssue[] | string,
): PayloadInvalidError {
  const problems =
    typeof issues === "string"
      ? issues
      : issues
          .slice(0, MAX_ISSUES_SHOWN)
          .map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`.slice(0, MAX_ISSUE_LENGTH))
          .join("; ");
  return new PayloadInvalidError(`not a valid ${what}: ${problems}`);
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((key, index) => {
      if (typeof key === "number") return `[${key}]`;
      const name = String(key).slice(0, 40);
      return index === 0 ? name : `.${name}`;
    })
    .join("");
}
