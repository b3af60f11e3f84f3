import { afterEach, describe, expect, it } from "vitest";
import {
  createDeployEvent,
  createDockerHubCallbackPayload,
  DockerHubCallbackNotifier,
  isDockerOwnedUrl,
  NotificationDispatcher,
  NotificationError,
} from "../../src/notify/index.js";
import { captureLogs } from "../helpers/capture-logs.js";
import { makeDeployment, startReceiver, type Receiver } from "./notify-test-kit.js";

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

interface RecordedCall {
  readonly url: string;
  readonly init: RequestInit | undefined;
}

/** A fetch that records calls and answers 200 without any network. */
function recordingFetch(calls: RecordedCall[]): typeof fetch {
  return (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, init });
    return Promise.resolve(new Response("ok", { status: 200 }));
  };
}

const finished = (state: "succeeded" | "rolled-back" | "canceled", callbackUrl: string) =>
  createDeployEvent({ deployment: makeDeployment(state, { callbackUrl }), kind: "finished", eventId: "e" });

describe("isDockerOwnedUrl", () => {
  it.each([
    ["https://registry.hub.docker.com/u/acme/api/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/", true],
    ["https://hub.docker.com/api/hook/x", true],
    ["https://callbacks.docker.io/x", true],
    ["https://HUB.Docker.COM:443/x", true],
    ["http://registry.hub.docker.com/u/acme/api/hook/x/", false],
    ["https://docker.com/x", false],
    ["https://docker.io/x", false],
    ["https://hub.docker.com.evil.test/x", false],
    ["https://evildocker.com/x", false],
    ["https://hub.docker.com:8443/x", false],
    ["https://user:pw@hub.docker.com/x", false],
    ["https://hub.docker.com./x", false],
    ["https://127.0.0.1/x", false],
    ["https://localhost/x", false],
    ["https://[::1]/x", false],
    ["not a url", false],
  ])("%s → %s", (url, allowed) => {
    expect(isDockerOwnedUrl(url)).toBe(allowed);
  });
});

describe("DockerHubCallbackNotifier", () => {
  it("POSTs Docker Hub's callback body to a Docker-owned https URL, without following redirects", async () => {
    const calls: RecordedCall[] = [];
    const notifier = new DockerHubCallbackNotifier({
      fetch: recordingFetch(calls),
      publicUrl: "https://drover.example.com",
    });
    const url = "https://registry.hub.docker.com/u/acme/frontend/hook/cb-token-555/";

    await notifier.notify(finished("succeeded", url), AbortSignal.timeout(1_000));

    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(url);
    expect(calls[0]?.init?.method).toBe("POST");
    expect(calls[0]?.init?.redirect).toBe("manual");
    expect(JSON.parse(calls[0]?.init?.body as string)).toEqual({
      state: "success",
      description:
        "demo/shop/frontend: docker.io/acme/frontend:1.4.2 deployed in 1m12s (was docker.io/acme/frontend:1.4.1)",
      context: "drover demo/shop/frontend",
      target_url: "https://drover.example.com/api/deployments/dep_01HZX0000000000000000000",
    });
  });

  it("maps terminal states to success, failure and error and truncates the description to 255", () => {
    const url = "https://hub.docker.com/x";
    const long = makeDeployment("rolled-back", {
      callbackUrl: url,
      error: { code: "ERR_X", message: "y".repeat(400) },
    });

    const states = (["succeeded", "rolled-back", "canceled"] as const).map(
      (state) => createDockerHubCallbackPayload(finished(state, url)).state,
    );
    const payload = createDockerHubCallbackPayload(
      createDeployEvent({ deployment: long, kind: "finished", eventId: "e" }),
    );

    expect(states).toEqual(["success", "failure", "error"]);
    expect(payload.description).toHaveLength(255);
    expect(payload).not.toHaveProperty("target_url");
  });

  it("refuses anything else without calling it (injected fetch sees nothing)", async () => {
    const calls: RecordedCall[] = [];
    const notifier = new DockerHubCallbackNotifier({ fetch: recordingFetch(calls) });

    const error = await notifier
      .notify(
        finished("succeeded", "https://evil.example.com/u/acme/hook/tok-123456/"),
        AbortSignal.timeout(1_000),
      )
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NotificationError);
    expect((error as NotificationError).code).toBe("ERR_NOTIFY_REFUSED");
    expect((error as NotificationError).retryable).toBe(false);
    expect((error as NotificationError).message).toContain("evil.example.com");
    expect((error as NotificationError).message).not.toContain("tok-123456");
    expect(calls).toEqual([]);
  });

  it("never calls a local receiver even when callback_url points at it, and logs the host only at warn", async () => {
    receiver = await startReceiver();
    const logs = captureLogs("debug");
    const port = new URL(receiver.origin).port;
    // Every request the notifier makes goes through its fetch: none by the time the deliveries
    // have ended means none can arrive later.
    const fetched: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    const dispatcher = new NotificationDispatcher({
      setup: { on: ["terminal"], notifiers: [new DockerHubCallbackNotifier({ fetch: recordingFetch })] },
      logger: logs.logger,
    });
    const urls = [
      `${receiver.origin}/u/acme/api/hook/local-token-1/`,
      `https://127.0.0.1:${port}/u/acme/api/hook/local-token-2/`,
      `https://localhost:${port}/hook/local-token-3/`,
    ];

    for (const [index, callbackUrl] of urls.entries()) {
      dispatcher.handleTransition(makeDeployment("succeeded", { id: `dep_${index}`, callbackUrl }));
    }
    await dispatcher.close(2_000);

    expect(fetched).toEqual([]);
    expect(receiver.requests).toEqual([]);
    const refusals = logs.lines().filter((line) => line["msg"] === "notification not delivered");
    expect(refusals).toHaveLength(3);
    expect(refusals.every((line) => line["level"] === "warn")).toBe(true);
    expect(refusals.map((line) => (line["err"] as { code: string }).code)).toEqual([
      "ERR_NOTIFY_REFUSED",
      "ERR_NOTIFY_REFUSED",
      "ERR_NOTIFY_REFUSED",
    ]);
    expect(String((refusals[0]?.["err"] as { message: string }).message)).toContain(`127.0.0.1:${port}`);
    expect(logs.text()).not.toMatch(/local-token-\d/);
  });

  it("only wants finished deployments that carry a callback URL", () => {
    const notifier = new DockerHubCallbackNotifier({ fetch });
    const started = createDeployEvent({
      deployment: makeDeployment("preparing", { callbackUrl: "https://hub.docker.com/x" }),
      kind: "started",
      eventId: "e",
    });
    const without = createDeployEvent({
      deployment: makeDeployment("failed"),
      kind: "finished",
      eventId: "e",
    });

    expect([
      notifier.accepts(started),
      notifier.accepts(without),
      notifier.accepts(finished("canceled", "https://hub.docker.com/x")),
    ]).toEqual([false, false, true]);
  });
});
