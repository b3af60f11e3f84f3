/**
 * Every source through the real route (`createApp` + supertest), from the payload fixtures:
 * success, bad auth, malformed JSON, wrong content type, oversized body, valid-but-irrelevant,
 * redelivery — and the order of the checks (README "Webhooks").
 */
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import {
  buildHooksApp,
  bytesAsIs,
  captureBody,
  ciToken,
  CONTENT_TYPES,
  fixture,
  ghcrSignature,
  hookPath,
  SECRETS,
  SOURCE_NAMES,
  validHeaders,
  validPayload,
  type SourceName,
} from "../helpers/fuzz-hooks.js";

/** Small enough that a padded fixture is over it, big enough for every fixture (the largest is ~2.5 KiB). */
const BODY_LIMIT_BYTES = 8 * 1024;

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function start(): App {
  app = buildHooksApp({ bodyLimit: `${BODY_LIMIT_BYTES}b` });
  return app;
}

function post(
  target: App,
  source: SourceName,
  body: string | Buffer,
  headers: Record<string, string>,
  token?: string,
) {
  return request(target.http)
    .post(hookPath(source, token))
    .set({ "content-type": CONTENT_TYPES[source], ...headers })
    .send(body);
}

/** Posts `payload` with valid credentials for `source`. */
function postValid(target: App, source: SourceName, payload: unknown, extra: Record<string, string> = {}) {
  const body = JSON.stringify(payload);
  return post(target, source, body, { ...validHeaders(source, body), ...extra });
}

function deploymentCount(target: App): number {
  return target.core.store.list({ limit: 200 }).items.length;
}

function expectError(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
}

/** Valid credentials that are wrong for each source. */
function badAuth(source: SourceName, body: string): { headers: Record<string, string>; token?: string } {
  switch (source) {
    case "dockerhub":
      return { headers: {}, token: "not-the-dockerhub-token-at-all" };
    case "quay":
      return { headers: {}, token: "not-the-quay-token-at-all-000" };
    case "registry":
      return { headers: { authorization: "Bearer not-the-registry-bearer-000" } };
    case "ci":
      return {
        headers: { authorization: `Bearer ${ciToken({}, "another-secret-0123456789abcdef0123456789")}` },
      };
    case "harbor":
      return { headers: { authorization: "Bearer not-the-harbor-header-0000" } };
    case "ghcr":
      return {
        headers: {
          "x-github-event": "package",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": ghcrSignature(body, "another-webhook-secret-0123"),
        },
      };
  }
}

/** A valid delivery that deploys nothing, and the reason drover gives. */
const IRRELEVANT: Record<
  SourceName,
  { payload: () => unknown; headers?: Record<string, string>; why: RegExp }
> = {
  dockerhub: {
    payload: () => {
      const body = fixture("dockerhub/push.json") as { push_data: Record<string, unknown> };
      body.push_data["media_type"] = "application/vnd.cncf.helm.config.v1+json";
      return body;
    },
    why: /helm/i,
  },
  registry: {
    payload: () => captureBody("registry/distribution-2.8.2-blob-push-layer.json"),
    why: /blob push/,
  },
  ci: {
    payload: () => ({ image: "registry.example.com/shop/unmapped", tag: "1.0.0" }),
    why: /no rule/,
  },
  harbor: { payload: () => fixture("harbor/pull-artifact.json"), why: /PULL_ARTIFACT/ },
  quay: { payload: () => fixture("quay/test-notification.json"), why: /test notification/i },
  ghcr: { payload: () => fixture("ghcr/package-published-untagged.json"), why: /untagged/ },
};

describe.each(SOURCE_NAMES)("POST %s hook", (source) => {
  it("answers 202 with the deployment it stored", async () => {
    const target = start();

    const res = await postValid(target, source, validPayload(source));

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({
      deployments: [
        expect.objectContaining({
          id: expect.stringMatching(/^d_/),
          state: "queued",
          target: "demo/shop/frontend",
        }),
      ],
      duplicate: false,
    });
    expect(target.core.store.get(res.body.deployments[0].id)?.source).toBe(source);
  });

  it("refuses wrong credentials with 401 and stores nothing", async () => {
    const target = start();
    const body = JSON.stringify(validPayload(source));
    const bad = badAuth(source, body);

    const res = await post(target, source, body, bad.headers, bad.token);

    expectError(res, 401, "ERR_WEBHOOK_AUTH");
    expect(deploymentCount(target)).toBe(0);
  });

  it("refuses a malformed JSON body with 400 (after valid credentials)", async () => {
    const target = start();
    const body = JSON.stringify(validPayload(source)).slice(0, -7);

    const res = await post(target, source, body, validHeaders(source, body));

    expectError(res, 400, "ERR_PAYLOAD_MALFORMED");
    expect(deploymentCount(target)).toBe(0);
  });

  it("refuses a content type the sender never uses with 415", async () => {
    const target = start();
    const body = JSON.stringify(validPayload(source));

    const res = await post(target, source, body, {
      ...validHeaders(source, body),
      "content-type": "text/html",
    });

    expectError(res, 415, "ERR_CONTENT_TYPE");
    expect(deploymentCount(target)).toBe(0);
  });

  it("refuses a body over server.bodyLimit with 413", async () => {
    const target = start();
    const payload = validPayload(source) as Record<string, unknown>;
    const padded = JSON.stringify(payload).replace(/^\{/, `{"padding":"${"x".repeat(BODY_LIMIT_BYTES)}",`);

    const res = await post(target, source, padded, validHeaders(source, padded));

    expectError(res, 413, "ERR_PAYLOAD_TOO_LARGE");
    expect(deploymentCount(target)).toBe(0);
  });

  it("checks the content type before the size: an oversized body of the wrong type is a 415", async () => {
    const target = start();
    const body = "x".repeat(BODY_LIMIT_BYTES * 4);

    const res = await post(target, source, body, {
      ...validHeaders(source, body),
      "content-type": "text/html",
    });

    expectError(res, 415, "ERR_CONTENT_TYPE");
  });

  it("acknowledges a valid but irrelevant delivery with 200 and the reason", async () => {
    const target = start();
    const irrelevant = IRRELEVANT[source];

    const res = await postValid(target, source, irrelevant.payload());

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({ deployments: [], ignored: expect.stringMatching(irrelevant.why) }),
    );
    expect(deploymentCount(target)).toBe(0);
  });

  if (source === "ci") {
    it("answers a replayed request (same token, same body) with the same deployment, creating no second one", async () => {
      const target = start();
      const body = JSON.stringify(validPayload("ci"));
      const headers = { authorization: `Bearer ${ciToken()}` };

      const first = await post(target, "ci", body, headers);
      const replay = await post(target, "ci", body, headers);

      expect(first.status).toBe(202);
      expect(first.body.duplicate).toBe(false);
      expect(replay.status).toBe(202);
      expect(replay.body.duplicate).toBe(true);
      expect(replay.body.deployments.map((d: { id: string }) => d.id)).toEqual(
        first.body.deployments.map((d: { id: string }) => d.id),
      );
      expect(deploymentCount(target)).toBe(1);
    });
  } else {
    it("answers a redelivery with the same deployment id and creates no second one", async () => {
      const target = start();
      const body = JSON.stringify(validPayload(source));
      // A redelivery repeats the sender's delivery id (GitHub's X-GitHub-Delivery) and credentials.
      const headers = validHeaders(source, body);

      const first = await post(target, source, body, headers);
      const again = await post(target, source, body, headers);

      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body.duplicate).toBe(true);
      expect(again.body.deployments.map((d: { id: string }) => d.id)).toEqual(
        first.body.deployments.map((d: { id: string }) => d.id),
      );
      expect(deploymentCount(target)).toBe(1);
    });
  }
});

describe("check order and edge cases", () => {
  it("answers 404 for an unknown source without reading a large body", async () => {
    const target = start();

    const res = await request(target.http)
      .post("/hooks/nexus")
      .set("content-type", "application/json")
      .send("x".repeat(BODY_LIMIT_BYTES * 4));

    expectError(res, 404, "ERR_SOURCE_UNKNOWN");
  });

  it("checks credentials before JSON syntax: malformed JSON with bad auth is a 401", async () => {
    const target = start();

    const res = await post(target, "registry", "{not json", {
      authorization: "Bearer wrong-wrong-wrong-wrong",
    });

    expectError(res, 401, "ERR_WEBHOOK_AUTH");
  });

  it("refuses invalid UTF-8 with 400 even inside a free-text field nothing validates", async () => {
    const target = start();
    const [head, tail] = JSON.stringify(validPayload("dockerhub")).split("Acme public API server");
    const body = Buffer.concat([
      Buffer.from(`${head}Acme `),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` API${tail}`),
    ]);

    const res = await request(target.http)
      .post(hookPath("dockerhub"))
      .set("content-type", "application/json")
      .serialize(bytesAsIs)
      .send(body);

    expectError(res, 400, "ERR_PAYLOAD_MALFORMED");
    expect(deploymentCount(target)).toBe(0);
  });

  it("answers 422 for well-formed JSON that is not a push", async () => {
    const target = start();

    const res = await postValid(target, "registry", { events: "all of them" });

    expectError(res, 422, "ERR_PAYLOAD_INVALID");
  });

  it("answers 400 ERR_WEBHOOK_HEADER when GitHub's event header is missing", async () => {
    const target = start();
    const body = JSON.stringify(validPayload("ghcr"));

    const res = await post(target, "ghcr", body, { "x-hub-signature-256": ghcrSignature(body) });

    expectError(res, 400, "ERR_WEBHOOK_HEADER");
  });

  it("accepts the Harbor header as `Bearer <token>` as well as the bare token", async () => {
    const target = start();

    const res = await postValid(target, "harbor", validPayload("harbor"), {
      authorization: `Bearer ${SECRETS.harbor}`,
    });

    expect(res.status).toBe(202);
  });

  it("refuses an expired CI token and one without jti", async () => {
    const target = start();
    const body = JSON.stringify(validPayload("ci"));
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ jti: randomUUID(), exp: now - 3600 }, SECRETS.ci, { algorithm: "HS256" });
    const noJti = jwt.sign({ exp: now + 300 }, SECRETS.ci, { algorithm: "HS256" });

    const a = await post(target, "ci", body, { authorization: `Bearer ${expired}` });
    const b = await post(target, "ci", body, { authorization: `Bearer ${noJti}` });

    expectError(a, 401, "ERR_WEBHOOK_AUTH");
    expect(a.body.error.reason).toBe("expired");
    expectError(b, 401, "ERR_WEBHOOK_AUTH");
    expect(b.body.error.reason).toBe("missing-claim");
    expect(deploymentCount(target)).toBe(0);
  });
});
