import { z } from "zod";
import { durationMs, httpUrl } from "./schema-primitives.js";

/** States a channel may ask for: `preparing` (the start) and every terminal state. */
const notifiedStates = z
  .array(z.enum(["preparing", "succeeded", "rolled-back", "failed", "canceled", "superseded", "skipped"]))
  .min(1)
  .optional();

/**
 * The settings schema of every notifier, keyed by its key under `notifications:`: the one list
 * of notifier settings. The `notifications:` schema is built from it, and the notifier registry
 * (`src/notify/registry.ts`) is a record over the same keys. A channel list is an array of
 * entries; an entry's `states` may name `preparing` only when `on` includes `start`.
 */
export const NOTIFIER_SETTINGS = {
  /** Slack incoming webhooks. `states` (the start, `preparing`, and terminal states) defaults to failures. */
  slack: z
    .array(
      z.strictObject({
        url: httpUrl,
        states: notifiedStates,
      }),
    )
    .default([]),
  webhooks: z
    .array(
      z.strictObject({
        url: httpUrl,
        /** HMAC-SHA256 key of `X-Drover-Signature-256` (a secret key name: scrubbed from logs). */
        secret: z.string().min(16, "secret must be at least 16 characters"),
        states: notifiedStates,
      }),
    )
    .default([]),
  /** POST Docker Hub's legacy callback for pushes carrying `callback_url` (Docker-owned https hosts only). */
  dockerHubCallbacks: z.boolean().default(true),
} as const;

/** A key under `notifications:` that configures one notifier (`slack`, `webhooks`, `dockerHubCallbacks`). */
export type NotifierSettingKey = keyof typeof NOTIFIER_SETTINGS;

/**
 * `notifications:` (docs/notifications.md): the delivery settings shared by every channel, plus one
 * key per notifier. Channel URLs carry their secret in the path (Slack) or may do so (webhooks):
 * `loadConfig` adds them to the scrubber's secrets (`collectNotificationSecrets`), since the key
 * name `url` is not one `collectSecrets` treats as secret.
 */
export const notificationsSchema = z
  .strictObject({
    /** `[terminal]` (default) or `[start, terminal]`: also notify when a deployment starts (`preparing`). */
    on: z
      .array(z.enum(["start", "terminal"]))
      .min(1)
      .refine(
        (on) => on.includes("terminal"),
        "on must include terminal (use [terminal] or [start, terminal])",
      )
      .default(["terminal"]),
    /** Base URL of this drover as reachable by people (links in Slack, Docker Hub `target_url`). */
    publicUrl: httpUrl.optional(),
    /** Per-attempt timeout of one delivery. */
    timeout: durationMs.default(5_000),
    /** Attempts per delivery (1 = no retry); retried on network errors, timeouts, 408, 429 and 5xx. */
    attempts: z.number().int().min(1).max(10).default(3),
    ...NOTIFIER_SETTINGS,
  })
  .superRefine((value, ctx) => {
    if (value.on.includes("start")) return;
    for (const key of Object.keys(NOTIFIER_SETTINGS) as NotifierSettingKey[]) {
      const channels: unknown = value[key];
      if (!Array.isArray(channels)) continue;
      channels.forEach((entry: { readonly states?: readonly string[] }, index) => {
        if (entry.states?.includes("preparing") === true) {
          ctx.addIssue({
            code: "custom",
            path: [key, index, "states"],
            message: "preparing is only notified when on includes start; use on: [start, terminal]",
          });
        }
      });
    }
  });
