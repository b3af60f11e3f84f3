import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDeployEvent,
  signWebhookPayload,
  verifyWebhookSignature,
  WebhookNotifier,
} from "../../src/notify/index.js";
import { makeDeployment, startReceiver, type Receiver } from "./notify-test-kit.js";

const SECRET = "whsec-0123456789-abcdefghij";
const NOW_MS = 1_755_770_102_345;

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function sendOne(state: "succeeded" | "failed" = "failed"): Promise<Receiver> {
  receiver = await startReceiver();
  const notifier = new WebhookNotifier({
    url: `${receiver.origin}/hooks/drover-path-token-777`,
    secret: SECRET,
    fetch,
    now: () => NOW_MS,
  });
  const deployment = makeDeployment(state, {
    callbackUrl: "https://registry.hub.docker.com/u/acme/frontend/hook/cb-token-555/",
    error: { code: "ERR_DEPLOY_UNHEALTHY", message: "unhealthy" },
  });
  await notifier.notify(
    createDeployEvent({ deployment, kind: "finished", eventId: "9b2c5c4e-0000-4000-8000-000000000001" }),
    AbortSignal.timeout(2_000),
  );
  return receiver;
}

describe("WebhookNotifier", () => {
  it("signs timestamp.rawBody with HMAC-SHA256; the receiver verifies it from the bytes it got", async () => {
    const { requests } = await sendOne();

    const request = requests[0]!;
    const timestamp = request.headers["x-drover-timestamp"] as string;
    const expected = createHmac("sha256", SECRET)
      .update(`${timestamp}.`)
      .update(request.rawBody)
      .digest("hex");
    expect(timestamp).toBe("1755770102");
    expect(request.headers["x-drover-signature-256"]).toBe(`sha256=${expected}`);
    expect(
      verifyWebhookSignature({
        secret: SECRET,
        rawBody: request.rawBody,
        signature: request.headers["x-drover-signature-256"] as string,
        timestamp,
        nowSeconds: 1_755_770_110,
      }),
    ).toBe(true);
  });

  it("fails verification for a changed body, another secret, a changed timestamp or a stale one", async () => {
    const { requests } = await sendOne();
    const request = requests[0]!;
    const signature = request.headers["x-drover-signature-256"] as string;
    const timestamp = request.headers["x-drover-timestamp"] as string;
    const base = {
      secret: SECRET,
      rawBody: request.rawBody,
      signature,
      timestamp,
      nowSeconds: 1_755_770_102,
    };

    const results = [
      verifyWebhookSignature({ ...base, rawBody: Buffer.concat([request.rawBody, Buffer.from(" ")]) }),
      verifyWebhookSignature({ ...base, secret: `${SECRET}x` }),
      verifyWebhookSignature({
        ...base,
        timestamp: String(Number(timestamp) + 1),
        nowSeconds: Number(timestamp) + 1,
      }),
      verifyWebhookSignature({ ...base, nowSeconds: Number(timestamp) + 301 }),
      verifyWebhookSignature({ ...base, signature: undefined }),
    ];

    expect(results).toEqual([false, false, false, false, false]);
  });

  it("sends the event headers and a body without the Docker Hub callback URL", async () => {
    const { requests } = await sendOne("succeeded");

    const request = requests[0]!;
    expect(request.headers["x-drover-event"]).toBe("deployment.finished");
    expect(request.headers["x-drover-delivery"]).toBe("9b2c5c4e-0000-4000-8000-000000000001");
    expect(request.headers["content-type"]).toBe("application/json");
    const text = request.rawBody.toString("utf8");
    expect(text).not.toContain("cb-token-555");
    expect(text).not.toContain("callback");
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      id: "9b2c5c4e-0000-4000-8000-000000000001",
      event: "deployment.finished",
      summary: expect.stringContaining("deployed in 1m12s"),
      deployment: {
        id: "dep_01HZX0000000000000000000",
        target: { environment: "demo", stack: "shop", service: "frontend" },
        targetName: "demo/shop/frontend",
        image: "docker.io/acme/frontend:1.4.2",
        state: "succeeded",
        previousImage: "docker.io/acme/frontend:1.4.1",
        durationMs: 72_000,
      },
    });
  });

  it("matches the fixed vector in docs/notifications.md (checked there with openssl)", () => {
    // printf '%s' '1755770102.{"a":1}' | openssl dgst -sha256 -hmac 'whsec-0123456789-abcdefghij'
    const signature = signWebhookPayload(SECRET, 1_755_770_102, '{"a":1}');

    expect(signature).toBe("sha256=699393ae0f7c6c410e200bbb778ab11dd20a69a42581aa95e87d9ab51657f82b");
  });
});
