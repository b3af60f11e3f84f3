import { describe, expect, it } from "vitest";
import { REDACTED, SecretScrubber } from "../../src/log/index.js";

describe("SecretScrubber", () => {
  it("replaces registered values, their JSON-escaped and URL-encoded forms", () => {
    const scrubber = new SecretScrubber();
    scrubber.setSecrets(['pa"ss/word+1', "short"]);

    const out = scrubber.scrub(`{"a":"pa\\"ss/word+1","b":"x?t=pa%22ss%2Fword%2B1","c":"short"}`);

    expect(out).toBe(`{"a":"${REDACTED}","b":"x?t=${REDACTED}","c":"short"}`);
  });

  it("redacts JWTs and Authorization credentials whatever their value", () => {
    const scrubber = new SecretScrubber();
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJlLXZhbHVl";

    const out = scrubber.scrub(`token ${jwt} then Bearer abcdef123456 and Basic ZHJvdmVyOnNlY3JldA==`);

    expect(out).not.toContain("eyJ");
    expect(out).not.toContain("abcdef123456");
    expect(out).not.toContain("ZHJvdmVyOnNlY3JldA");
    expect(out).toContain(`Bearer ${REDACTED}`);
  });

  it("keeps earlier secrets when more are added", () => {
    const scrubber = new SecretScrubber();
    scrubber.setSecrets(["first-secret"]);
    scrubber.addSecrets(["second-secret"]);

    expect(scrubber.scrub("first-secret second-secret")).toBe(`${REDACTED} ${REDACTED}`);
  });
});
