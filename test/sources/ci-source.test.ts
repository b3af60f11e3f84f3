import { createHash, createHmac, generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors/index.js";
import { ciDeliveryId } from "../../src/sources/ci-source.js";
import { createCiSource, createCiTokenVerifier, type Source } from "../../src/sources/index.js";
import { authFailure, makeContext, makeRequest, payloadFailure, readFixture } from "./source-test-helpers.js";

const SECRET = "ci-secret-0123456789abcdef0123456789abcdef";
const NOW = new Date("2026-08-21T10:00:00Z");
const NOW_S = NOW.getTime() / 1000;

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const RSA_PUBLIC = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
const EC_PUBLIC = ec.publicKey.export({ type: "spki", format: "pem" }).toString();

const claims = (extra: Record<string, unknown> = {}) => ({
  exp: NOW_S + 300,
  jti: "job-4711-1",
  sub: "gitlab-ci:shop/frontend",
  ...extra,
});
const hs256 = (payload: object, secret = SECRET) => jwt.sign(payload, secret, { algorithm: "HS256" });
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** A token signed by hand (for algorithms jsonwebtoken refuses to produce). */
function handSigned(header: object, payload: object, hmacKey?: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    hmacKey === undefined ? "" : createHmac("sha256", hmacKey).update(input).digest("base64url");
  return `${input}.${signature}`;
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function verify(source: Source, token: string, context = makeContext(NOW)) {
  return source.verify(makeRequest({ headers: bearer(token) }), context);
}

describe("createCiSource", () => {
  const source = createCiSource({ key: { secret: SECRET } });

  it("turns a CI call with an HS256 token into a push whose delivery id is ci:<jti>:<sha256 of the body>", () => {
    const body = readFixture("ci/push.json");
    const context = makeContext(NOW);
    const request = makeRequest({ headers: bearer(hs256(claims())), body });

    const caller = source.verify(request, context);
    const delivery = source.parse(body, request, caller);

    expect(caller).toEqual({ subject: "gitlab-ci:shop/frontend" });
    expect(delivery).toEqual({
      pushes: [
        {
          registryHost: "registry.example.com",
          repository: "shop/frontend",
          tag: "1.4.2-22-7e56158",
          digest: "sha256:df77fd4cd8358e8682db87e8c2a2c48071539a22baa1ff1efa7aef38d7336d23",
          source: "ci",
          deliveryId: `ci:job-4711-1:${createHash("sha256").update(request.rawBody).digest("hex")}`,
          pusher: "gitlab-ci:shop/frontend",
        },
      ],
    });
    expect(context.claimed.size).toBe(0);
  });

  it("gives the same token and body the same delivery id, and another body another one", () => {
    const token = hs256(claims());
    const deliveryOf = (body: unknown) => {
      const request = makeRequest({ headers: bearer(token), body });
      return source.parse(body, request, source.verify(request, makeContext(NOW))).pushes[0]?.deliveryId;
    };

    const first = deliveryOf({ image: "shop/web", tag: "1.0.0" });
    const again = deliveryOf({ image: "shop/web", tag: "1.0.0" });
    const next = deliveryOf({ image: "shop/web", tag: "1.0.1" });

    expect(first).toMatch(/^ci:job-4711-1:[0-9a-f]{64}$/);
    expect(again).toBe(first);
    expect(next).not.toBe(first);
    expect(ciDeliveryId("job-4711-1", Buffer.from("a"))).not.toBe(
      ciDeliveryId("job-4711-1", Buffer.from("a ")),
    );
  });

  it("returns the token's scope claim", () => {
    const scope = { images: ["registry.example.com/shop/*"], targets: ["production/shop/*"] };

    expect(verify(source, hs256(claims({ scope }))).scope).toEqual(scope);
  });

  it.each([
    ["RS256", RSA_PUBLIC, rsa.privateKey, "RS256" as const],
    ["ES256", EC_PUBLIC, ec.privateKey, "ES256" as const],
  ])(
    "accepts %s tokens verified with the configured public key",
    (_name, publicKeyText, privateKey, algorithm) => {
      const keyed = createCiSource({ key: { publicKeyText } });
      const token = jwt.sign(claims(), privateKey, { algorithm });

      expect(verify(keyed, token)).toEqual({ subject: "gitlab-ci:shop/frontend" });
    },
  );

  it.each([
    ["no header", {}, "missing-credentials"],
    ["the Basic scheme", { authorization: "Basic Y2k6c2VjcmV0" }, "wrong-scheme"],
    ["a token that is not a JWT", bearer("not-a-jwt"), "malformed-token"],
    ["a JWT with a header that is not JSON", bearer("bm90anNvbg.e30.c2ln"), "malformed-token"],
  ])("refuses %s", (_name, headers, reason) => {
    expect(authFailure(() => source.verify(makeRequest({ headers }), makeContext(NOW))).reason).toBe(reason);
  });

  it.each([
    ["a token signed with another secret", hs256(claims(), `${SECRET}-other`), "bad-signature"],
    ["an expired token", hs256(claims({ exp: NOW_S - 120 })), "expired"],
    ["a token not valid yet", hs256(claims({ nbf: NOW_S + 300 })), "not-yet-valid"],
    ["a token without jti", hs256(claims({ jti: undefined })), "missing-claim"],
    ["a token with an empty jti", hs256(claims({ jti: "" })), "missing-claim"],
    ["a token without exp", hs256({ jti: "x-1" }), "missing-claim"],
    ["a token whose exp is beyond any date", hs256(claims({ exp: 1e20 })), "missing-claim"],
    ["a scope that is not { images, targets }", hs256(claims({ scope: { images: "shop/*" } })), "bad-scope"],
    ["a scope with unknown keys", hs256(claims({ scope: { envs: ["prod"] } })), "bad-scope"],
    ["alg none", handSigned({ alg: "none", typ: "JWT" }, claims()), "algorithm-not-allowed"],
    ["alg HS512", jwt.sign(claims(), SECRET, { algorithm: "HS512" }), "algorithm-not-allowed"],
    ["an RS256 token", jwt.sign(claims(), rsa.privateKey, { algorithm: "RS256" }), "algorithm-not-allowed"],
    ["a crit header", handSigned({ alg: "HS256", crit: ["exp"] }, claims(), SECRET), "malformed-token"],
  ])("refuses %s", (_name, token, reason) => {
    const error = authFailure(() => verify(source, token));

    expect(error.reason).toBe(reason);
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(token);
  });

  it("tolerates 30 s of clock skew on exp", () => {
    expect(verify(source, hs256(claims({ exp: NOW_S - 10 })))).toBeDefined();
  });

  it("accepts the same token again by default (reusable until exp) without claiming its jti", () => {
    const context = makeContext(NOW);
    const token = hs256(claims());

    verify(source, token, context);
    const again = verify(source, token, context);

    expect(again).toEqual({ subject: "gitlab-ci:shop/frontend" });
    expect(context.claimed.size).toBe(0);
  });

  describe("with singleUse: true", () => {
    const singleUse = createCiSource({ key: { secret: SECRET }, singleUse: true });

    it("claims the jti until exp, refuses a replayed jti, and does not burn the jti of a refused token", () => {
      const context = makeContext(NOW);
      authFailure(() => verify(singleUse, hs256(claims(), `${SECRET}-other`), context));

      verify(singleUse, hs256(claims()), context);
      const replay = authFailure(() => verify(singleUse, hs256(claims({ sub: "someone-else" })), context));

      expect(replay.reason).toBe("replayed");
      expect(replay.code).toBe("ERR_WEBHOOK_AUTH");
      expect(replay.status).toBe(401);
      expect(replay.message).toMatch(/already used/);
      expect([...context.claimed.entries()]).toEqual([["job-4711-1", "2026-08-21T10:05:00.000Z"]]);
    });
  });

  describe("with aud and iss configured", () => {
    const strict = createCiSource({
      key: { secret: SECRET },
      audience: "drover",
      issuer: "https://ci.example.com",
    });
    const good = { aud: "drover", iss: "https://ci.example.com" };

    it("accepts the configured audience and issuer", () => {
      expect(verify(strict, hs256(claims(good))).subject).toBe("gitlab-ci:shop/frontend");
    });

    it.each([
      ["a wrong audience", { ...good, aud: "other" }, "wrong-audience"],
      ["no audience", { iss: good.iss }, "wrong-audience"],
      ["a wrong issuer", { ...good, iss: "https://evil.example.com" }, "wrong-issuer"],
      ["no issuer", { aud: good.aud }, "wrong-issuer"],
    ])("refuses %s", (_name, extra, reason) => {
      expect(authFailure(() => verify(strict, hs256(claims(extra)))).reason).toBe(reason);
    });
  });

  describe("with a public key configured", () => {
    const keyed = createCiSource({ key: { publicKeyText: RSA_PUBLIC } });

    it("refuses an HS256 token signed with the public key text (algorithm confusion)", () => {
      const forged = handSigned({ alg: "HS256", typ: "JWT" }, claims(), RSA_PUBLIC);

      expect(authFailure(() => verify(keyed, forged)).reason).toBe("algorithm-not-allowed");
    });

    it("refuses alg none", () => {
      expect(authFailure(() => verify(keyed, handSigned({ alg: "none" }, claims()))).reason).toBe(
        "algorithm-not-allowed",
      );
    });

    it("refuses an ES256 token when the key is RSA", () => {
      const token = jwt.sign(claims(), ec.privateKey, { algorithm: "ES256" });

      expect(authFailure(() => verify(keyed, token)).reason).toBe("algorithm-not-allowed");
    });

    it("refuses an RS256 token signed by another key", () => {
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const token = jwt.sign(claims(), other.privateKey, { algorithm: "RS256" });

      expect(authFailure(() => verify(keyed, token)).reason).toBe("bad-signature");
    });
  });

  it.each([
    ["a Docker Hub image", "shop/web", { repository: "shop/web" }],
    ["an official image", "nginx", { repository: "nginx" }],
    [
      "a host with port",
      "registry.example.com:5000/shop/web",
      { registryHost: "registry.example.com:5000", repository: "shop/web" },
    ],
    ["localhost", "localhost/shop/web", { registryHost: "localhost", repository: "shop/web" }],
    [
      "an upper-case host",
      "Registry.Example.com/shop/web",
      { registryHost: "registry.example.com", repository: "shop/web" },
    ],
  ])("splits %s like Docker", (_name, image, expected) => {
    const push = source.parse({ image, tag: "1.0.0" }, makeRequest(), {}).pushes[0];

    expect(push).toEqual({ ...expected, tag: "1.0.0", source: "ci" });
  });

  it.each([
    ["an unknown field", { image: "shop/web", tag: "1.0.0", branch: "main" }],
    ["a missing tag", { image: "shop/web" }],
    ["a bad tag", { image: "shop/web", tag: "1.0.0 " }],
    ["a bad digest", { image: "shop/web", tag: "1.0.0", digest: "sha256:XYZ" }],
    ["an upper-case repository", { image: "registry.example.com/Shop/Web", tag: "1.0.0" }],
    ["an image with a tag", { image: "shop/web:1.0.0", tag: "1.0.0" }],
    ["an image with a digest", { image: `shop/web@sha256:${"a".repeat(64)}`, tag: "1.0.0" }],
    ["a bad registry host", { image: "bad_host.example.com/shop/web", tag: "1.0.0" }],
    ["an empty image", { image: "", tag: "1.0.0" }],
    ["a string body", "shop/web:1.0.0"],
  ])("rejects %s with a 422", (_name, body) => {
    expect(payloadFailure(() => source.parse(body, makeRequest(), {})).status).toBe(422);
  });
});

describe("createCiTokenVerifier", () => {
  it.each([
    ["a private key", rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString()],
    ["text that is not a key", "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"],
    [
      "an RSA key under 2048 bits",
      generateKeyPairSync("rsa", { modulusLength: 1024 })
        .publicKey.export({ type: "spki", format: "pem" })
        .toString(),
    ],
    [
      "a P-384 key",
      generateKeyPairSync("ec", { namedCurve: "secp384r1" })
        .publicKey.export({ type: "spki", format: "pem" })
        .toString(),
    ],
    [
      "an Ed25519 key",
      generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString(),
    ],
  ])("refuses %s as the CI public key", (_name, publicKeyText) => {
    expect(() => createCiTokenVerifier({ key: { publicKeyText } })).toThrow(ConfigError);
  });
});
