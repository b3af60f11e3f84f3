import { afterEach, describe, expect, it } from "vitest";
import { createDeployEvent, createNotifiers, SlackNotifier } from "../../src/notify/index.js";
import { makeDeployment, startReceiver, type Receiver } from "./notify-test-kit.js";

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const event = (state: Parameters<typeof makeDeployment>[0], overrides = {}) =>
  createDeployEvent({
    deployment: makeDeployment(state, overrides),
    kind: state === "preparing" ? "started" : "finished",
    eventId: "evt-1",
  });

describe("SlackNotifier", () => {
  it("posts { text, blocks } as JSON to the incoming webhook", async () => {
    receiver = await startReceiver();
    const notifier = new SlackNotifier({
      url: `${receiver.origin}/services/T000/B000/slacktoken123`,
      fetch,
      publicUrl: "https://drover.example.com/",
    });
    const failed = event("rolled-back", { error: { code: "ERR_DEPLOY_UNHEALTHY", message: "a <b> & c" } });

    await notifier.notify(failed, AbortSignal.timeout(2_000));

    const [request] = receiver.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/services/T000/B000/slacktoken123");
    expect(request?.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(request!.rawBody.toString("utf8"));
    expect(Object.keys(body).sort()).toEqual(["blocks", "text"]);
    expect(body.text).toMatch(
      /^:rewind: demo\/shop\/frontend: docker\.io\/acme\/frontend:1\.4\.2 failed and was rolled back/,
    );
    expect(body.text).toContain("a &lt;b&gt; &amp; c");
    expect(body.blocks).toHaveLength(2);
    expect(body.blocks[0]).toEqual({
      type: "section",
      text: {
        type: "mrkdwn",
        text: expect.stringContaining("*Deployment rolled-back* `demo/shop/frontend`"),
      },
    });
    expect(body.blocks[1].type).toBe("context");
    expect(body.blocks[1].elements[0].text).toContain("error `ERR_DEPLOY_UNHEALTHY`");
    expect(body.blocks[1].elements[0].text).toContain(
      "<https://drover.example.com/api/deployments/dep_01HZX0000000000000000000|details>",
    );
  });

  it("by default speaks only about failures", () => {
    const notifier = new SlackNotifier({ url: "https://hooks.slack.com/services/x", fetch });

    const accepted = (
      ["succeeded", "rolled-back", "failed", "canceled", "skipped", "superseded"] as const
    ).filter((state) => notifier.accepts(event(state)));

    expect(accepted).toEqual(["rolled-back", "failed"]);
  });

  it("follows configured states, and adds the start by default when on includes start", () => {
    const setup = createNotifiers(
      {
        on: ["start", "terminal"],
        timeout: 5_000,
        attempts: 3,
        slack: [
          { url: "https://hooks.slack.com/services/a" },
          { url: "https://hooks.slack.com/services/b", states: ["succeeded"] },
        ],
        webhooks: [],
        dockerHubCallbacks: false,
      },
      { fetch, now: Date.now },
    );
    const [defaults, onlySuccess] = setup.notifiers;

    expect(setup.notifiers).toHaveLength(2);
    expect(defaults?.accepts(event("preparing"))).toBe(true);
    expect(defaults?.accepts(event("succeeded"))).toBe(false);
    expect(onlySuccess?.accepts(event("succeeded"))).toBe(true);
    expect(onlySuccess?.accepts(event("preparing"))).toBe(false);
  });

  it("names itself by host only (no token path)", () => {
    const notifier = new SlackNotifier({
      url: "https://hooks.slack.com/services/T1/B2/sekrit-token-value",
      fetch,
      index: 1,
    });

    expect(notifier.name).toBe("slack[1] https://hooks.slack.com/…");
  });
});
