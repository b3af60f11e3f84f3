import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createGhcrSource, MissingHeaderError } from "../../src/sources/index.js";
import {
  authFailure,
  makeContext,
  makeRequest,
  payloadFailure,
  readFixture,
  type Json,
} from "./source-test-helpers.js";

const SECRET = "ghcr-webhook-secret-0123";
const DELIVERY = "63c720cc-097f-4db0-826c-961eb206afe8";

/** A request signed as GitHub signs it, over the exact body bytes. */
function signed(body: unknown, event = "package", secret = SECRET) {
  const raw = Buffer.from(JSON.stringify(body, null, 2));
  const signature = `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
  return makeRequest({
    headers: { "x-github-event": event, "x-github-delivery": DELIVERY, "x-hub-signature-256": signature },
    body: raw,
  });
}

describe("createGhcrSource", () => {
  const source = createGhcrSource({ webhookSecret: SECRET });
  const context = makeContext();

  it("turns a published container package into one lower-cased ghcr.io push", () => {
    const body = readFixture("ghcr/package-published.json");
    const request = signed(body);

    const delivery = source.parse(body, request, source.verify(request, context));

    expect(delivery).toEqual({
      pushes: [
        {
          registryHost: "ghcr.io",
          repository: "acme/api",
          tag: "1.4.2",
          digest: "sha256:df77fd4cd8358e8682db87e8c2a2c48071539a22baa1ff1efa7aef38d7336d23",
          source: "ghcr",
          deliveryId: DELIVERY,
          pusher: "acme-release-bot",
        },
      ],
    });
  });

  it("reads registry_package events (GitHub Apps) the same way", () => {
    const body = readFixture("ghcr/package-published.json");
    body.registry_package = body.package;
    delete body.package;

    expect(source.parse(body, signed(body, "registry_package"), {}).pushes[0]?.repository).toBe("acme/api");
  });

  it("gives a redelivery the same delivery id", () => {
    const body = readFixture("ghcr/package-published.json");

    const ids = [signed(body), signed(body)].map(
      (request) => source.parse(body, request, {}).pushes[0]?.deliveryId,
    );

    expect(ids).toEqual([DELIVERY, DELIVERY]);
  });

  it("requires X-GitHub-Event (400)", () => {
    const request = signed({});
    delete (request.headers as Record<string, unknown>)["x-github-event"];

    expect(() => source.verify(request, context)).toThrow(MissingHeaderError);
  });

  it.each([
    ["a missing signature", (h: Json) => delete h["x-hub-signature-256"], "missing-credentials"],
    [
      "a signature made with another secret",
      (h: Json) => (h["x-hub-signature-256"] = signed({}, "package", "other").headers["x-hub-signature-256"]),
      "bad-signature",
    ],
    ["a sha1 signature", (h: Json) => (h["x-hub-signature-256"] = "sha1=0123"), "bad-signature"],
  ])("refuses %s", (_name, mutate, reason) => {
    const request = signed({ action: "published" });
    mutate(request.headers);

    expect(authFailure(() => source.verify(request, context)).reason).toBe(reason);
  });

  it("refuses a body changed after signing", () => {
    const request = signed({ action: "published" });
    const tampered = { ...request, rawBody: Buffer.from('{"action":"published" }') };

    expect(authFailure(() => source.verify(tampered, context)).reason).toBe("bad-signature");
  });

  it("ignores untagged per-platform versions", () => {
    const body = readFixture("ghcr/package-published-untagged.json");

    expect(source.parse(body, signed(body), {}).ignored).toBe(
      "untagged package version (a per-platform manifest)",
    );
  });

  it.each([
    ["ping", "ping", (b: Json) => b, "GitHub ping"],
    ["push events", "push", (b: Json) => b, "GitHub push event (only package events deploy)"],
    [
      "deleted packages",
      "package",
      (b: Json) => ({ ...b, action: "deleted" }),
      "package deleted (only published/updated deploy)",
    ],
    [
      "npm packages",
      "package",
      (b: Json) => ((b.package.package_type = "npm"), (b.package.ecosystem = "npm"), b),
      "not a container package",
    ],
  ])("ignores %s", (_name, event, mutate, reason) => {
    const body = mutate(readFixture("ghcr/package-published.json"));

    expect(source.parse(body, signed(body, event), {})).toEqual({ pushes: [], ignored: reason });
  });

  it.each([
    ["no action", (b: Json) => delete b.action],
    ["no package", (b: Json) => delete b.package],
    ["a bad tag", (b: Json) => (b.package.package_version.container_metadata.tag.name = "bad tag")],
    ["no owner", (b: Json) => (delete b.package.namespace, delete b.package.owner)],
    ["a name that is not a repository", (b: Json) => (b.package.name = "api!")],
  ])("rejects %s with a 422", (_name, mutate) => {
    const body = readFixture("ghcr/package-published.json");
    mutate(body);

    expect(payloadFailure(() => source.parse(body, signed(body), {})).status).toBe(422);
  });
});
