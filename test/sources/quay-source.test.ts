import { describe, expect, it } from "vitest";
import { createQuaySource, MAX_QUAY_TAGS } from "../../src/sources/index.js";
import {
  authFailure,
  makeContext,
  makeRequest,
  payloadFailure,
  readFixture,
  type Json,
} from "./source-test-helpers.js";

const TOKEN = "quay-token-0123456789ab";

describe("createQuaySource", () => {
  const source = createQuaySource({ token: TOKEN });
  const context = makeContext();

  it("turns the repository push of the Quay example into one push per tag", () => {
    const body = readFixture("quay/push.json");
    const request = makeRequest({ body, params: { token: TOKEN } });

    const delivery = source.parse(body, request, source.verify(request, context));

    expect(delivery).toEqual({
      pushes: [{ registryHost: "quay.io", repository: "acme/api", tag: "1.4.2", source: "quay" }],
    });
  });

  it("accepts several tags and the old object-shaped updated_tags", () => {
    const body = readFixture("quay/push.json");
    body.updated_tags = ["1.4.2", "latest", "1.4.2"];
    const old = readFixture("quay/push.json");
    old.updated_tags = { "1.4.2": "a1b2c3", latest: "a1b2c3" };

    expect(source.parse(body, makeRequest(), {}).pushes.map((push) => push.tag)).toEqual(["1.4.2", "latest"]);
    expect(source.parse(old, makeRequest(), {}).pushes.map((push) => push.tag)).toEqual(["1.4.2", "latest"]);
  });

  it("keeps a self-hosted Quay's host and port", () => {
    const body = readFixture("quay/push.json");
    body.docker_url = "quay.internal:8443/acme/api";

    expect(source.parse(body, makeRequest(), {}).pushes[0]?.registryHost).toBe("quay.internal:8443");
  });

  it("ignores the Test Notification sample so the button deploys nothing", () => {
    expect(source.parse(readFixture("quay/test-notification.json"), makeRequest(), {})).toEqual({
      pushes: [],
      ignored: "Quay test notification (sample data)",
    });
  });

  it("ignores a notification without updated tags", () => {
    const body = readFixture("quay/push.json");
    body.updated_tags = [];

    expect(source.parse(body, makeRequest(), {}).ignored).toBe("no tags were updated");
  });

  it.each([
    ["no token", {}, "missing-credentials"],
    ["a wrong token", { token: "quay-token-0123456789aX" }, "wrong-credentials"],
  ])("refuses %s", (_name, params, reason) => {
    expect(authFailure(() => source.verify(makeRequest({ params }), context)).reason).toBe(reason);
  });

  it.each([
    ["no docker_url", (b: Json) => delete b.docker_url],
    ["a docker_url without host", (b: Json) => (b.docker_url = "acme/api")],
    ["an upper-case docker_url path", (b: Json) => (b.docker_url = "quay.io/Acme/API")],
    ["updated_tags as a string", (b: Json) => (b.updated_tags = "1.4.2")],
    ["a bad tag", (b: Json) => (b.updated_tags = ["ok", "not ok"])],
    ["a numeric tag", (b: Json) => (b.updated_tags = [142])],
    [
      "too many tags",
      (b: Json) => (b.updated_tags = Array.from({ length: MAX_QUAY_TAGS + 1 }, (_, i) => `t${i}`)),
    ],
  ])("rejects %s with a 422", (_name, mutate) => {
    const body = readFixture("quay/push.json");
    mutate(body);

    expect(payloadFailure(() => source.parse(body, makeRequest(), {})).status).toBe(422);
  });
});
