import { describe, expect, it } from "vitest";
import { NOTIFIER_SETTINGS } from "../../src/config/index.js";
import { notificationsSchema } from "../../src/config/mapping-schema.js";
import { createNotifiers, NOTIFIER_KINDS, NOTIFIERS } from "../../src/notify/index.js";

describe("the notifier registry", () => {
  it("has one descriptor per key under notifications:, with the config's schema", () => {
    expect(NOTIFIERS.map((notifier) => notifier.setting)).toEqual(Object.keys(NOTIFIER_SETTINGS));
    for (const descriptor of NOTIFIERS)
      expect(descriptor.settings).toBe(NOTIFIER_SETTINGS[descriptor.setting]);
    expect(NOTIFIER_KINDS).toEqual(["slack", "webhook", "docker_hub_callback"]);
  });

  it("builds notifiers in registry order, each with its descriptor's kind", () => {
    const settings = notificationsSchema.parse({
      slack: [{ url: "https://hooks.slack.com/services/a" }, { url: "https://hooks.slack.com/services/b" }],
      webhooks: [{ url: "https://ci.example.com/hook", secret: "0123456789abcdef0123" }],
    });

    const setup = createNotifiers(settings, { fetch, now: Date.now });

    expect(setup.notifiers.map((notifier) => notifier.kind)).toEqual([
      "slack",
      "slack",
      "webhook",
      "docker_hub_callback",
    ]);
    for (const notifier of setup.notifiers) expect(NOTIFIER_KINDS).toContain(notifier.kind);
  });

  it("refuses preparing in any channel list's states unless on includes start", () => {
    const result = notificationsSchema.safeParse({
      webhooks: [
        { url: "https://ci.example.com/hook", secret: "0123456789abcdef0123", states: ["preparing"] },
      ],
    });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["webhooks", 0, "states"]);
  });
});
