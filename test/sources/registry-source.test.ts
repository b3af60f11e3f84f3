import { describe, expect, it } from "vitest";
import { createRegistrySource, MAX_EVENTS_PER_DELIVERY } from "../../src/sources/index.js";
import {
  authFailure,
  makeContext,
  makeRequest,
  payloadFailure,
  readCapture,
  readFixture,
  type Json,
} from "./source-test-helpers.js";

const BEARER = "s3cret";
const MANIFEST = "registry/distribution-2.8.2-manifest-push-tag.json";
const LAYER = "registry/distribution-2.8.2-blob-push-layer.json";
const CONFIG = "registry/distribution-2.8.2-blob-push-config.json";

describe("createRegistrySource", () => {
  const source = createRegistrySource({ bearer: BEARER });
  const context = makeContext();

  it("turns the captured Distribution 2.8.2 manifest push into one push", () => {
    const capture = readCapture(MANIFEST);
    const request = makeRequest({ headers: capture.headers, body: capture.body });

    const caller = source.verify(request, context);
    const delivery = source.parse(capture.body, request, caller);

    expect(delivery).toEqual({
      pushes: [
        {
          registryHost: "127.0.0.1:5055",
          repository: "team/api",
          tag: "1.0.1",
          digest: "sha256:c47c08c205165d85b8282f9d3ce554b160293819afbe365cc465c199109048e9",
          source: "registry",
          deliveryId: "73ac18e9-0686-40dc-aebe-c9e93bc29899",
        },
      ],
    });
  });

  it("accepts the content types of Distribution 2.x and 3.x", () => {
    expect(source.contentTypes).toContain(readCapture(MANIFEST).headers["content-type"]);
    expect(source.contentTypes).toContain("application/vnd.docker.distribution.events.v2+json");
  });

  it("turns the v3 multi-arch index push into one push with the index digest", () => {
    const { body } = readFixture("registry/distribution-3-index-push-tag.json");

    expect(source.parse(body, makeRequest(), {}).pushes).toEqual([
      {
        registryHost: "registry.example.com",
        repository: "team/api",
        tag: "1.4.2",
        digest: "sha256:df77fd4cd8358e8682db87e8c2a2c48071539a22baa1ff1efa7aef38d7336d23",
        source: "registry",
        deliveryId: "e11dbf03-655c-4c75-a3e2-0cb22300ae3b",
        pusher: "ci-bot",
      },
    ]);
  });

  it.each([LAYER, CONFIG])("ignores blob pushes with a reason (%s)", (file) => {
    const { body } = readCapture(file);

    expect(source.parse(body, makeRequest(), {})).toEqual({ pushes: [], ignored: "blob push" });
  });

  it("ignores tagless per-platform manifest pushes with a reason", () => {
    const { body } = readFixture("registry/distribution-3-platform-manifest-untagged.json");

    expect(source.parse(body, makeRequest(), {})).toEqual({
      pushes: [],
      ignored: "untagged manifest push (a per-platform manifest of a multi-arch image)",
    });
  });

  it.each([
    ["pull", "pull event (only pushes deploy)"],
    ["delete", "delete event (only pushes deploy)"],
    ["mount", "mount event (only pushes deploy)"],
  ])("ignores %s events", (action, reason) => {
    const { body } = readCapture(MANIFEST);
    body.events[0].action = action;

    expect(source.parse(body, makeRequest(), {})).toEqual({ pushes: [], ignored: reason });
  });

  it("keeps only the manifest push of a v2.x batch and counts what it ignored", () => {
    const events = [LAYER, CONFIG, MANIFEST].map((file) => readCapture(file).body.events[0]);

    const delivery = source.parse({ events }, makeRequest(), {});

    expect(delivery.pushes.map((push) => push.tag)).toEqual(["1.0.1"]);
    expect(delivery.ignored).toBeUndefined();
    expect(source.parse({ events: events.slice(0, 2) }, makeRequest(), {}).ignored).toBe(
      "blob push (2 events)",
    );
  });

  it("answers an empty envelope with a reason", () => {
    expect(source.parse({ events: [] }, makeRequest(), {})).toEqual({
      pushes: [],
      ignored: "the notification has no events",
    });
  });

  it("gives a redelivered event the same delivery id and collapses repeats inside one envelope", () => {
    const first = source.parse(readCapture(MANIFEST).body, makeRequest(), {});
    const again = source.parse(readCapture(MANIFEST).body, makeRequest(), {});
    const event = readCapture(MANIFEST).body.events[0];
    const doubled = source.parse({ events: [event, event] }, makeRequest(), {});

    expect(again.pushes[0]?.deliveryId).toBe(first.pushes[0]?.deliveryId);
    expect(doubled.pushes).toHaveLength(1);
  });

  it("lower-cases the registry host", () => {
    const { body } = readCapture(MANIFEST);
    body.events[0].request.host = "Registry.Example.com:5000";

    expect(source.parse(body, makeRequest(), {}).pushes[0]?.registryHost).toBe("registry.example.com:5000");
  });

  it.each([
    ["no header", {}, "missing-credentials"],
    ["a wrong token", { authorization: "Bearer s3cre7" }, "wrong-credentials"],
    ["the Basic scheme", { authorization: "Basic czNjcmV0" }, "wrong-scheme"],
    ["the bare token", { authorization: "s3cret" }, "wrong-scheme"],
  ])("refuses %s", (_name, headers, reason) => {
    expect(authFailure(() => source.verify(makeRequest({ headers }), context)).reason).toBe(reason);
  });

  it.each([
    ["no events array", { event: [] }],
    ["events that are not an array", { events: {} }],
    ["an event that is not an object", { events: [42] }],
    ["an event without action", { events: [{ target: {} }] }],
    [
      "too many events",
      { events: Array.from({ length: MAX_EVENTS_PER_DELIVERY + 1 }, () => ({ action: "pull" })) },
    ],
    ["an array body", []],
    ["null", null],
  ])("rejects %s with a 422", (_name, body) => {
    expect(payloadFailure(() => source.parse(body, makeRequest(), {})).status).toBe(422);
  });

  it.each([
    ["a missing request host", (e: Json) => delete e.request],
    ["a bad request host", (e: Json) => (e.request.host = "bad host")],
    ["an upper-case repository", (e: Json) => (e.target.repository = "Team/API")],
    ["a bad tag", (e: Json) => (e.target.tag = ".hidden")],
    ["a bad digest", (e: Json) => (e.target.digest = "md5:abc")],
  ])("rejects a tagged manifest push with %s", (_name, mutate) => {
    const { body } = readCapture(MANIFEST);
    mutate(body.events[0]);

    expect(payloadFailure(() => source.parse(body, makeRequest(), {})).message).toContain("events[0]");
  });
});
