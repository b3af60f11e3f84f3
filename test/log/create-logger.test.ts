import { describe, expect, it } from "vitest";
import { captureLogs } from "../helpers/capture-logs.js";

describe("createLogger", () => {
  it("writes JSON lines with level labels, ISO time and child bindings", () => {
    const logs = captureLogs("info");

    logs.logger.child({ component: "rancher" }).info({ deploymentId: "d1" }, "state changed");

    const [line] = logs.lines();
    expect(line).toMatchObject({
      level: "info",
      name: "drover",
      component: "rancher",
      deploymentId: "d1",
      msg: "state changed",
    });
    expect(String(line?.["time"])).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("censors secret-bearing paths and registered secret values", () => {
    const logs = captureLogs("info");
    logs.scrubber.setSecrets(["rancher-secret-key-9"]);

    logs.logger.info(
      {
        req: { headers: { authorization: "Basic abc" } },
        env: { secretKey: "x1", accessKey: "x2" },
        note: "key rancher-secret-key-9",
      },
      "something",
    );

    const text = logs.text();
    expect(text).not.toContain("Basic abc");
    expect(text).not.toContain("rancher-secret-key-9");
    expect(logs.lines()[0]).toMatchObject({ env: { secretKey: "[Redacted]", accessKey: "[Redacted]" } });
  });
});
