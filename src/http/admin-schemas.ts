import { z } from "zod";
import {
  DIGEST_PATTERN,
  MAX_TARGET_TEXT_LENGTH,
  parseTargetText,
  TAG_PATTERN,
  TARGET_NAME_PATTERN,
  type DeployTarget,
} from "../domain/index.js";
import { PayloadInvalidError } from "../errors/index.js";

/** `environment/stack/service`: what `target=` filters by (a sidekick shares its service's key). */
const targetKeyText = z
  .string()
  .max(MAX_TARGET_TEXT_LENGTH)
  .refine((text) => {
    const parsed = parseTargetText(text);
    return parsed.ok && parsed.value.sidekick === undefined;
  }, "target must be environment/stack/service");

/** `GET /api/deployments` query. */
export const listQuery = z.strictObject({
  target: targetKeyText.optional(),
  state: z.string().max(300).optional(),
  image: z.string().min(1).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Checked by the store (400 `ERR_STORE_CURSOR_INVALID`), like any cursor no page returned. */
  cursor: z.string().optional(),
});

const targetText = z
  .string()
  .max(MAX_TARGET_TEXT_LENGTH)
  .transform((text, ctx): DeployTarget => {
    const parsed = parseTargetText(text);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({
      code: "custom",
      message: "target must be environment/stack/service[/sidekick] (letters, digits, _ . -)",
    });
    return z.NEVER;
  });

/** `POST /api/deployments` body. */
export const manualDeploy = z.strictObject({
  image: z.string().min(1).max(300),
  tag: z.string().regex(TAG_PATTERN, "not a valid tag"),
  digest: z.string().regex(DIGEST_PATTERN, "not a sha256 digest").optional(),
  target: targetText,
});

/** Parses with `schema`, or throws 422 naming the first problem (never quoting a value). */
export function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.map(String).join(".")}: `;
  const message =
    issue?.code === "unrecognized_keys"
      ? `unknown field(s) ${issue.keys.map((key) => key.slice(0, 40)).join(", ")}`
      : (issue?.message ?? "invalid");
  throw new PayloadInvalidError(`${where}${message}`.slice(0, 300));
}

/** `:environment/:stack/:service` path parameters → the target; 422 for a part that is not a name. */
export function parseTargetParams(params: Record<string, unknown>): DeployTarget {
  const target: DeployTarget = {
    environment: String(params["environment"]),
    stack: String(params["stack"]),
    service: String(params["service"]),
  };
  for (const part of ["environment", "stack", "service"] as const) {
    if (!TARGET_NAME_PATTERN.test(target[part]))
      throw new PayloadInvalidError(`${part} must be a name of letters, digits, _ . - (at most 128)`);
  }
  return target;
}
