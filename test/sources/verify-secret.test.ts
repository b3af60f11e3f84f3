import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  readBearerToken,
  readHeader,
  secretsEqual,
  verifyBearerSecret,
  verifyHmacSha256,
} from "../../src/sources/index.js";
import { authFailure } from "./source-test-helpers.js";

describe("secretsEqual", () => {
  it.each([
    ["same secret", "0123456789abcdef", "0123456789abcdef", true],
    ["different secret of the same length", "0123456789abcdef", "0123456789abcdeX", false],
    ["a prefix of the secret", "0123456789", "0123456789abcdef", false],
    ["a longer value", "0123456789abcdef!", "0123456789abcdef", false],
    ["the empty string", "", "0123456789abcdef", false],
  ])("compares %s", (_name, presented, expected, result) => {
    expect(secretsEqual(presented, expected)).toBe(result);
  });
});

describe("verifyHmacSha256", () => {
  // GitHub's documented test vector ("Validating webhook deliveries" in GitHub's webhook docs).
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from("Hello, World!");
  const signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  it("accepts GitHub's test vector", () => {
    expect(verifyHmacSha256(body, secret, signature)).toBe(true);
  });

  it.each([
    ["another body", Buffer.from("Hello, World?"), signature],
    ["a missing prefix", body, signature.slice("sha256=".length)],
    ["a sha1 prefix", body, signature.replace("sha256=", "sha1=")],
    ["a truncated signature", body, signature.slice(0, -2)],
    ["non-hex text", body, `sha256=${"z".repeat(64)}`],
  ])("refuses %s", (_name, raw, header) => {
    expect(verifyHmacSha256(raw, secret, header)).toBe(false);
  });

  it("is computed over the raw bytes, not re-serialised JSON", () => {
    const spaced = Buffer.from('{ "a": 1 }');
    const compact = Buffer.from('{"a":1}');
    const header = "sha256=" + createHmac("sha256", "k").update(spaced).digest("hex");

    expect(verifyHmacSha256(spaced, "k", header)).toBe(true);
    expect(verifyHmacSha256(compact, "k", header)).toBe(false);
  });
});

describe("readBearerToken", () => {
  it("reads the token of a Bearer header, whatever the scheme's case", () => {
    expect(readBearerToken({ authorization: "Bearer abc.def" })).toBe("abc.def");
    expect(readBearerToken({ authorization: "bearer   abc" })).toBe("abc");
  });

  it.each([
    ["no header", {}, "missing-credentials"],
    ["an empty header", { authorization: "" }, "missing-credentials"],
    ["Basic", { authorization: "Basic dXNlcjpwYXNz" }, "wrong-scheme"],
    ["a bare token", { authorization: "abc" }, "wrong-scheme"],
    ["two tokens", { authorization: "Bearer a b" }, "wrong-scheme"],
  ])("refuses %s", (_name, headers, reason) => {
    expect(authFailure(() => readBearerToken(headers)).reason).toBe(reason);
  });
});

describe("verifyBearerSecret", () => {
  it("never puts the presented or expected secret in the message", () => {
    const error = authFailure(() =>
      verifyBearerSecret({ authorization: "Bearer presented-value" }, "expected-value"),
    );

    expect(error.reason).toBe("wrong-credentials");
    expect(error.status).toBe(401);
    expect(error.code).toBe("ERR_WEBHOOK_AUTH");
    expect(error.details).toEqual({ reason: "wrong-credentials" });
    expect(error.message).not.toContain("presented-value");
    expect(error.message).not.toContain("expected-value");
  });
});

describe("readHeader", () => {
  it("joins a repeated header so it never verifies as one credential", () => {
    expect(readHeader({ "x-a": ["1", "2"] }, "X-A")).toBe("1, 2");
    expect(readHeader({}, "x-a")).toBeUndefined();
  });
});
