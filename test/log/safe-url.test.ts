import { describe, expect, it } from "vitest";
import { safeUrl } from "../../src/log/index.js";

describe("safeUrl", () => {
  it.each([
    [
      "https://ak:sk@rancher.example.com/v2-beta/projects/1a5?x=1",
      { keepPath: true },
      "https://rancher.example.com/v2-beta/projects/1a5?x=[Redacted]",
    ],
    ["https://hooks.slack.com/services/T000/B000/XXXXSECRET", {}, "https://hooks.slack.com/…"],
    ["http://drover:8090/", {}, "http://drover:8090/"],
    [
      "http://127.0.0.1:5000/hooks/dockerhub/tok3n?a=b&c=d",
      {},
      "http://127.0.0.1:5000/…?a=[Redacted]&c=[Redacted]",
    ],
    ["not a url", {}, "[invalid url]"],
  ])("makes %s safe", (input, options, expected) => {
    expect(safeUrl(input, options)).toBe(expected);
  });
});
