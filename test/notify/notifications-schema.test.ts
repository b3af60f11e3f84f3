import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { notificationsSchema } from "../../src/config/mapping-schema.js";
import { ConfigError } from "../../src/errors/index.js";
import { collectNotificationSecrets, createNotifiers } from "../../src/notify/index.js";

const BASE = `
environments:
  demo:
    simulator: default
`;

function load(yaml: string, env: Record<string, string> = {}) {
  return loadConfig({ file: "/virtual/drover.yml", env, readFile: () => yaml });
}

function problems(yaml: string): string[] {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("notificationsSchema", () => {
  it("defaults to terminal events, 5 s, 3 attempts, no channels, Docker Hub callbacks on", () => {
    const loaded = load(BASE);

    expect(loaded.config.notifications).toEqual({
      on: ["terminal"],
      timeout: 5_000,
      attempts: 3,
      slack: [],
      webhooks: [],
      dockerHubCallbacks: true,
    });
  });

  it("reads channels, expands ${VAR} and reports webhook secrets and channel URLs as secrets", () => {
    const loaded = load(
      `${BASE}
notifications:
  on: [start, terminal]
  publicUrl: https://drover.example.com
  timeout: 2s
  slack:
    - url: \${SLACK_URL}
      states: [preparing, failed, rolled-back]
  webhooks:
    - url: https://ci.example.com/drover
      secret: \${HOOK_SECRET}
  dockerHubCallbacks: false
`,
      {
        SLACK_URL: "https://hooks.slack.com/services/T1/B2/abcdefabcdef",
        HOOK_SECRET: "0123456789abcdef0123",
      },
    );

    const { notifications } = loaded.config;
    expect(notifications.timeout).toBe(2_000);
    expect(notifications.slack[0]?.url).toBe("https://hooks.slack.com/services/T1/B2/abcdefabcdef");
    expect(loaded.secrets).toContain("0123456789abcdef0123");
    // Channel URLs are secrets too (Slack's token is its path): loadConfig adds them for the scrubber.
    expect(loaded.secrets).toContain("https://hooks.slack.com/services/T1/B2/abcdefabcdef");
    expect(loaded.secrets).toContain("/services/T1/B2/abcdefabcdef");
    expect(loaded.secrets).not.toContain("/drover"); // short paths are ordinary text
    expect(collectNotificationSecrets(notifications)).toContain(
      "https://hooks.slack.com/services/T1/B2/abcdefabcdef",
    );
    const setup = createNotifiers(notifications, { fetch, now: Date.now });
    expect(setup.notifiers.map((notifier) => notifier.kind)).toEqual(["slack", "webhook"]);
    expect(setup).toMatchObject({ on: ["start", "terminal"], timeoutMs: 2_000, attempts: 3 });
  });

  it.each([
    ["unknown key", "notifications:\n  slak: []", "notifications.slak"],
    [
      "non-http url",
      "notifications:\n  slack:\n    - url: ftp://x.example.com/a",
      "notifications.slack[0].url",
    ],
    [
      "short secret",
      "notifications:\n  webhooks:\n    - url: https://x.example.com\n      secret: short",
      "notifications.webhooks[0].secret",
    ],
    [
      "unknown state",
      "notifications:\n  slack:\n    - url: https://x.example.com\n      states: [upgrading]",
      "notifications.slack[0].states[0]",
    ],
    [
      "start without on: start",
      "notifications:\n  slack:\n    - url: https://x.example.com\n      states: [preparing]",
      "notifications.slack[0].states",
    ],
    ["on without terminal", "notifications:\n  on: [start]", "notifications.on"],
    ["attempts out of range", "notifications:\n  attempts: 0", "notifications.attempts"],
  ])("rejects %s", (_name, yaml, path) => {
    const found = problems(`${BASE}${yaml}\n`);

    expect(found.some((problem) => problem.startsWith(`${path}:`))).toBe(true);
  });

  it("is a strict schema on its own too", () => {
    expect(notificationsSchema.safeParse({ extra: true }).success).toBe(false);
    expect(notificationsSchema.safeParse({}).success).toBe(true);
  });
});
