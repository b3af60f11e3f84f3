import { afterEach, describe, expect, it } from "vitest";
import {
  collectNotificationSecrets,
  createNotifiers,
  NotificationDispatcher,
  type NotificationSettings,
} from "../../src/notify/index.js";
import { captureLogs } from "../helpers/capture-logs.js";
import { makeDeployment, startReceiver, type Receiver } from "./notify-test-kit.js";

const SLACK_TOKEN = "T0AAAA/B0BBBB/slackSecretToken1234567890";
const WEBHOOK_PATH_TOKEN = "webhookPathToken-abcdef123456";
const HMAC_SECRET = "hmac-secret-value-0123456789abcdef";
const CALLBACK_TOKEN = "dockerHubHookToken-0987654321";

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

describe("notifications and secrets in logs", () => {
  it("logs no channel URL path, HMAC secret or callback token, even for failing and hanging channels", async () => {
    const hanging = await startReceiver("hang");
    const failing = await startReceiver(500);
    const rejecting = await startReceiver(403);
    receivers.push(hanging, failing, rejecting);
    // Not seeded with the secrets: this proves the notify code itself never logs them.
    const logs = captureLogs("debug");
    const settings: NotificationSettings = {
      on: ["start", "terminal"],
      timeout: 300,
      attempts: 2,
      slack: [{ url: `${hanging.origin}/services/${SLACK_TOKEN}`, states: ["preparing", "failed"] }],
      webhooks: [
        {
          url: `${failing.origin}/hooks/${WEBHOOK_PATH_TOKEN}?token=${WEBHOOK_PATH_TOKEN}`,
          secret: HMAC_SECRET,
        },
        { url: `${rejecting.origin}/x/${WEBHOOK_PATH_TOKEN}`, secret: HMAC_SECRET },
      ],
      dockerHubCallbacks: true,
    };
    const dispatcher = new NotificationDispatcher({
      setup: createNotifiers(settings, { fetch, now: Date.now }),
      logger: logs.logger,
      backoffMs: 10,
    });

    dispatcher.handleTransition(makeDeployment("preparing"));
    dispatcher.handleTransition(
      makeDeployment("failed", {
        error: { code: "ERR_DEPLOY_UNHEALTHY", message: "unhealthy" },
        callbackUrl: `${failing.origin}/u/acme/frontend/hook/${CALLBACK_TOKEN}/`,
      }),
    );
    // Every delivery gives up within ~1 s (2 attempts of at most 300 ms); close waits for them.
    await dispatcher.close(5_000);

    const text = logs.text();
    const warnings = logs.lines().filter((line) => line["level"] === "warn");
    // preparing: Slack + 2 webhooks; failed: Slack + 2 webhooks + the Docker Hub callback.
    expect(warnings.filter((line) => line["msg"] === "notification not delivered")).toHaveLength(7);
    expect(hanging.requests.length).toBeGreaterThanOrEqual(1);
    expect(failing.requests.length).toBeGreaterThanOrEqual(1);
    expect(rejecting.requests.length).toBeGreaterThanOrEqual(1);
    for (const secret of [SLACK_TOKEN, "slackSecretToken", WEBHOOK_PATH_TOKEN, HMAC_SECRET, CALLBACK_TOKEN]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain(new URL(hanging.origin).host);
  });

  it("collectNotificationSecrets gives the scrubber every URL (and long paths) and secret", () => {
    const logs = captureLogs("info");
    const slackUrl = `https://hooks.slack.com/services/${SLACK_TOKEN}`;
    const settings: NotificationSettings = {
      on: ["terminal"],
      timeout: 5_000,
      attempts: 3,
      slack: [{ url: slackUrl }],
      webhooks: [{ url: "https://ci.example.com/hooks", secret: HMAC_SECRET }],
      dockerHubCallbacks: true,
    };

    const secrets = collectNotificationSecrets(settings);
    logs.scrubber.setSecrets(secrets);
    logs.logger.info({ a: slackUrl, b: `/services/${SLACK_TOKEN}`, c: HMAC_SECRET, d: "/hooks/ci" }, "probe");

    expect(secrets).toEqual(
      expect.arrayContaining([
        slackUrl,
        `/services/${SLACK_TOKEN}`,
        "https://ci.example.com/hooks",
        HMAC_SECRET,
      ]),
    );
    expect(secrets).not.toContain("/hooks");
    const [line] = logs.lines();
    expect(line).toMatchObject({ a: "[Redacted]", b: "[Redacted]", c: "[Redacted]", d: "/hooks/ci" });
  });
});
