import { describe, expect, it } from "vitest";
import { createHarborSource } from "../../src/sources/index.js";
import {
  authFailure,
  makeContext,
  makeRequest,
  payloadFailure,
  readFixture,
  type Json,
} from "./source-test-helpers.js";

const TOKEN = "harbor-token-0123456789";
const PUSH = {
  registryHost: "harbor.example.com",
  repository: "payments/ledger/api",
  tag: "2.0.7",
  digest: "sha256:feebf3119e8fc57c0b0fad573e98c571bea174b82fda7789834691b8211634f4",
  source: "harbor",
  pusher: "robot$payments+ci",
};

describe("createHarborSource", () => {
  const source = createHarborSource({ token: TOKEN });
  const context = makeContext();

  it("turns the PUSH_ARTIFACT event of the Harbor example into one push", () => {
    const body = readFixture("harbor/push-artifact.json");
    const request = makeRequest({ headers: { authorization: TOKEN }, body });

    const delivery = source.parse(body, request, source.verify(request, context));

    expect(delivery).toEqual({ pushes: [PUSH] });
  });

  it("reads the CloudEvents format and uses its id as the delivery id", () => {
    const body = readFixture("harbor/push-artifact-cloudevents.json");

    expect(source.parse(body, makeRequest(), {})).toEqual({
      pushes: [{ ...PUSH, deliveryId: "5f8e2b1c-7a3d-4e9f-b0c1-2d3e4f5a6b7c" }],
    });
    expect(source.contentTypes).toEqual(["application/json", "application/cloudevents+json"]);
  });

  it("reads Harbor 1.x pushImage events", () => {
    const body = readFixture("harbor/push-artifact.json");
    body.type = "pushImage";

    expect(source.parse(body, makeRequest(), {}).pushes).toEqual([PUSH]);
  });

  it("gives each resource of a multi-resource CloudEvent its own stable delivery id", () => {
    const body = readFixture("harbor/push-artifact-cloudevents.json");
    const second = {
      ...body.data.resources[0],
      tag: "2.0",
      resource_url: "harbor.example.com/payments/ledger/api:2.0",
    };
    body.data.resources.push(second);

    const ids = source.parse(body, makeRequest(), {}).pushes.map((push) => push.deliveryId);

    expect(ids).toEqual(["5f8e2b1c-7a3d-4e9f-b0c1-2d3e4f5a6b7c#0", "5f8e2b1c-7a3d-4e9f-b0c1-2d3e4f5a6b7c#1"]);
  });

  it("keeps the registry port from resource_url", () => {
    const body = readFixture("harbor/push-artifact.json");
    body.event_data.resources[0].resource_url = "Harbor.Example.com:8443/payments/ledger/api:2.0.7";

    expect(source.parse(body, makeRequest(), {}).pushes[0]?.registryHost).toBe("harbor.example.com:8443");
  });

  it.each([
    ["the token", TOKEN],
    ["Bearer and the token", `Bearer ${TOKEN}`],
    ["bearer in lower case", `bearer ${TOKEN}`],
  ])("accepts an Auth Header of %s", (_name, authorization) => {
    expect(source.verify(makeRequest({ headers: { authorization } }), context)).toEqual({});
  });

  it.each([
    ["no header", {}, "missing-credentials"],
    ["a wrong token", { authorization: "harbor-token-0123456780" }, "wrong-credentials"],
    ["Basic credentials", { authorization: "Basic aGFyYm9yOnRva2Vu" }, "wrong-credentials"],
  ])("refuses %s", (_name, headers, reason) => {
    const error = authFailure(() => source.verify(makeRequest({ headers }), context));

    expect(error.reason).toBe(reason);
    expect(error.message).not.toContain(TOKEN);
  });

  it("ignores pull events with a reason", () => {
    expect(source.parse(readFixture("harbor/pull-artifact.json"), makeRequest(), {})).toEqual({
      pushes: [],
      ignored: "Harbor PULL_ARTIFACT event (only artifact pushes deploy)",
    });
  });

  it("ignores artifacts pushed by digest", () => {
    expect(source.parse(readFixture("harbor/push-artifact-by-digest.json"), makeRequest(), {})).toEqual({
      pushes: [],
      ignored: "artifact pushed by digest (no tag)",
    });
  });

  it("acknowledges a body without event type (the Test Endpoint button)", () => {
    expect(source.parse({}, makeRequest(), {}).ignored).toBe(
      "no event type (Harbor's Test Endpoint sends no push)",
    );
  });

  it.each([
    ["an array body", []],
    ["a string body", "PUSH_ARTIFACT"],
    ["a numeric type", { type: 7 }],
    ["a push without event_data", { type: "PUSH_ARTIFACT" }],
  ])("rejects %s with a 422", (_name, body) => {
    expect(payloadFailure(() => source.parse(body, makeRequest(), {})).status).toBe(422);
  });

  it.each([
    ["no resources", (b: Json) => (b.event_data.resources = [])],
    ["a bad tag", (b: Json) => (b.event_data.resources[0].tag = "-x")],
    ["a bad digest", (b: Json) => (b.event_data.resources[0].digest = "sha256:short")],
    [
      "a resource_url for another repository",
      (b: Json) => (b.event_data.resources[0].resource_url = "harbor.example.com/other/api:2.0.7"),
    ],
    [
      "a resource_url without host",
      (b: Json) => (b.event_data.resources[0].resource_url = "payments/ledger/api:2.0.7"),
    ],
    ["an upper-case repository", (b: Json) => (b.event_data.repository.repo_full_name = "Payments/API")],
  ])("rejects a push with %s with a 422", (_name, mutate) => {
    const body = readFixture("harbor/push-artifact.json");
    mutate(body);

    expect(payloadFailure(() => source.parse(body, makeRequest(), {})).status).toBe(422);
  });

  it("returns the same pushes for a redelivery", () => {
    const body = readFixture("harbor/push-artifact-cloudevents.json");

    expect(source.parse(body, makeRequest(), {})).toEqual(
      source.parse(structuredClone(body), makeRequest(), {}),
    );
  });
});
