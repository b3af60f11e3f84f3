import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "./parse-prometheus-text.js";

describe("parsePrometheusText (the test's own checker)", () => {
  it("accepts a well-formed exposition", () => {
    const text = [
      "# HELP a_total A.",
      "# TYPE a_total counter",
      'a_total{x="1",y="q\\"z"} 3',
      "# TYPE h histogram",
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      "h_sum 3.5",
      "h_count 2",
      "",
    ].join("\n");

    expect(parsePrometheusText(text).samples).toHaveLength(5);
  });

  it.each([
    ["a sample without TYPE", "x 1\n"],
    ["a bad value", "# TYPE x gauge\nx one\n"],
    ["an unquoted label", "# TYPE x gauge\nx{a=1} 1\n"],
    ["a missing final newline", "# TYPE x gauge\nx 1"],
    [
      "non-cumulative buckets",
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    ["+Inf bucket not equal to count", '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
  ])("rejects %s", (_name, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
