import { describe, expect, it } from "vitest";
import { createDockerHubSource } from "../../src/sources/index.js";
import {
  authFailure,
  makeContext,
  makeRequest,
  payloadFailure,
  readFixture,
  type Json,
} from "./source-test-helpers.js";

const TOKEN = "hub-token-0123456789abcdef";

describe("createDockerHubSource", () => {
  const source = createDockerHubSource({ token: TOKEN });
  const context = makeContext();

  it("turns the Docker Hub example push into one push without host or digest", () => {
    const body = readFixture("dockerhub/push.json");
    const request = makeRequest({ body, params: { token: TOKEN } });

    const caller = source.verify(request, context);
    const delivery = source.parse(body, request, caller);

    expect(delivery).toEqual({
      pushes: [
        {
          repository: "acme/api",
          tag: "1.4.2",
          source: "dockerhub",
          pusher: "acme-ci",
          callbackUrl: "https://registry.hub.docker.com/u/acme/api/hook/4398154ac0dd05b804b2f37dbac61a25/",
        },
      ],
    });
  });

  it("accepts application/json and requests without a Content-Type", () => {
    expect(source.contentTypes).toContain("application/json");
    expect(source.contentTypes).toContain("");
  });

  it.each([
    ["no token", {}, "missing-credentials"],
    ["an empty token", { token: "" }, "missing-credentials"],
    ["a wrong token", { token: "hub-token-0123456789abcdeX" }, "wrong-credentials"],
    ["a prefix of the token", { token: TOKEN.slice(0, 10) }, "wrong-credentials"],
  ])("refuses %s", (_name, params, reason) => {
    const error = authFailure(() => source.verify(makeRequest({ params }), context));

    expect(error.reason).toBe(reason);
    expect(error.message).not.toContain(TOKEN);
  });

  it("keeps float timestamps and null optional fields (old Docker Hub payloads)", () => {
    const body = readFixture("dockerhub/push.json");
    body.push_data.pushed_at = 1.417566161e9;
    body.push_data.pusher = null;
    body.callback_url = null;

    const delivery = source.parse(body, makeRequest(), {});

    expect(delivery.pushes).toEqual([{ repository: "acme/api", tag: "1.4.2", source: "dockerhub" }]);
  });

  it("drops a callback URL that is not https", () => {
    const body = readFixture("dockerhub/push.json");
    body.callback_url = "http://169.254.169.254/latest/meta-data";

    expect(source.parse(body, makeRequest(), {}).pushes[0]?.callbackUrl).toBeUndefined();
  });

  it("ignores Helm chart pushes with a reason", () => {
    const body = readFixture("dockerhub/push.json");
    body.push_data.media_type = "application/vnd.cncf.helm.config.v1+json";

    expect(source.parse(body, makeRequest(), {})).toEqual({
      pushes: [],
      ignored: "Helm chart push (not a container image)",
    });
  });

  it.each([
    ["a missing tag", (b: Json) => delete b.push_data.tag],
    ["a tag that is not a Docker tag", (b: Json) => (b.push_data.tag = "-bad tag")],
    ["a 129-character tag", (b: Json) => (b.push_data.tag = "a".repeat(129))],
    ["a numeric tag", (b: Json) => (b.push_data.tag = 142)],
    ["a missing repository", (b: Json) => delete b.repository],
    ["an upper-case repository", (b: Json) => (b.repository.repo_name = "Acme/API")],
    ["a repository with a tag", (b: Json) => (b.repository.repo_name = "acme/api:1")],
  ])("rejects %s with a 422", (_name, mutate) => {
    const body = readFixture("dockerhub/push.json");
    mutate(body);

    const error = payloadFailure(() => source.parse(body, makeRequest(), {}));

    expect(error.status).toBe(422);
    expect(error.code).toBe("ERR_PAYLOAD_INVALID");
  });

  it("gives the same push for a redelivery (dedupe is by repository and tag downstream)", () => {
    const first = source.parse(readFixture("dockerhub/push.json"), makeRequest(), {});
    const second = source.parse(readFixture("dockerhub/push.json"), makeRequest(), {});

    expect(second).toEqual(first);
    expect(first.pushes[0]?.deliveryId).toBeUndefined();
  });
});
