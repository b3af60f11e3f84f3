import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serveCommand } from "../../src/cli/serve-command.js";
import { createTestIo } from "../helpers/cli-io.js";

const SECRETS = {
  RANCHER_ACCESS_KEY: "AKIA-drover-access-7731",
  RANCHER_SECRET_KEY: "rancher-secret-key-Zq81pX",
  DOCKERHUB_HOOK_TOKEN: "dockerhub-url-token-51c9e2aa",
  REGISTRY_HOOK_TOKEN: "registry-bearer-token-0a7f3",
  CI_JWT_SECRET: "ci-jwt-hmac-secret-that-is-long-enough-1234",
  HARBOR_HOOK_TOKEN: "harbor-auth-header-token-9d2b",
  QUAY_HOOK_TOKEN: "quay-url-path-token-77e1c0",
  GHCR_WEBHOOK_SECRET: "ghcr-hmac-webhook-secret-3f8a",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0SECRET/B0SECRET/slackpathtoken4242",
  NOTIFY_WEBHOOK_SECRET: "notify-hmac-secret-0011223344",
};
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpbWFnZSI6InNob3Avd2ViIiwiZXhwIjo0MTAyNDQ0ODAwfQ.2pH5qJ0yDqYbC0v7bXk4Zt8M1sV2wQeR9uTnA6cLdFg";

const CONFIG = `
storage: { path: ":memory:" }
environments:
  production:
    url: https://rancher.example.com
    project: Default
    accessKey: \${RANCHER_ACCESS_KEY}
    secretKey: \${RANCHER_SECRET_KEY}
sources:
  dockerhub: { token: "\${DOCKERHUB_HOOK_TOKEN}" }
  registry: { bearer: "\${REGISTRY_HOOK_TOKEN}" }
  ci: { jwtSecret: "\${CI_JWT_SECRET}" }
  harbor: { token: "\${HARBOR_HOOK_TOKEN}" }
  quay: { token: "\${QUAY_HOOK_TOKEN}" }
  ghcr: { webhookSecret: "\${GHCR_WEBHOOK_SECRET}" }
notifications:
  slack: [{ url: "\${SLACK_WEBHOOK_URL}" }]
  webhooks: [{ url: "https://ci.example.com/drover-events", secret: "\${NOTIFY_WEBHOOK_SECRET}" }]
rules:
  - image: shop/web
    tags: { exact: latest }
    targets: [{ environment: production, stack: shop, service: web }]
`;

describe("logs", () => {
  it("never contain a secret, whatever requests carry them", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "drover-secrets-")), "drover.yml");
    writeFileSync(file, CONFIG);
    const io = createTestIo({ ...SECRETS, LOG_LEVEL: "trace" });
    const basic = Buffer.from(`${SECRETS.RANCHER_ACCESS_KEY}:${SECRETS.RANCHER_SECRET_KEY}`).toString(
      "base64",
    );

    const running = serveCommand.run(["--config", file, "--port", "0", "--host", "127.0.0.1"], io);
    const base = `http://127.0.0.1:${String((await io.waitForLog("listening"))["port"])}`;
    const requests: [string, RequestInit][] = [
      [
        `/hooks/dockerhub/${SECRETS.DOCKERHUB_HOOK_TOKEN}`,
        { method: "POST", body: "{}", headers: { "content-type": "application/json" } },
      ],
      [
        `/hooks/registry?token=${SECRETS.REGISTRY_HOOK_TOKEN}`,
        { method: "POST", headers: { authorization: `Bearer ${SECRETS.REGISTRY_HOOK_TOKEN}` } },
      ],
      [
        "/hooks/ci",
        {
          method: "POST",
          headers: { authorization: `Bearer ${JWT}`, "content-type": "application/json" },
          body: JSON.stringify({ token: JWT, secret: SECRETS.CI_JWT_SECRET }),
        },
      ],
      [
        "/hooks/harbor",
        {
          method: "POST",
          headers: { authorization: SECRETS.HARBOR_HOOK_TOKEN, "content-type": "application/json" },
          body: JSON.stringify({ type: "PUSH_ARTIFACT", auth: SECRETS.HARBOR_HOOK_TOKEN }),
        },
      ],
      [
        `/hooks/quay/${SECRETS.QUAY_HOOK_TOKEN}`,
        { method: "POST", body: "{not json", headers: { "content-type": "application/json" } },
      ],
      [
        "/hooks/ghcr",
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "package",
            "x-hub-signature-256": `sha256=${SECRETS.GHCR_WEBHOOK_SECRET}`,
          },
          body: JSON.stringify({ secret: SECRETS.GHCR_WEBHOOK_SECRET, url: SECRETS.SLACK_WEBHOOK_URL }),
        },
      ],
      ["/v2-beta/projects", { headers: { authorization: `Basic ${basic}` } }],
      [
        "/healthz",
        {
          headers: {
            "x-request-id": SECRETS.DOCKERHUB_HOOK_TOKEN,
            cookie: `session=${SECRETS.RANCHER_SECRET_KEY}`,
          },
        },
      ],
      [`/${SECRETS.RANCHER_SECRET_KEY}/${JWT}`, {}],
    ];
    for (const [path, init] of requests) await fetch(`${base}${path}`, init);
    writeFileSync(file, `${CONFIG}\nbroken: \${RANCHER_SECRET_KEY}\n`);
    io.signals.emit("SIGHUP");
    io.signals.emit("SIGTERM");
    await running;

    const logs = io.out() + io.err();
    expect(logs.split("\n").filter((line) => line.includes('"msg":"request completed"'))).toHaveLength(
      requests.length,
    );
    expect(logs).toContain("config reload rejected");
    for (const secret of [
      ...Object.values(SECRETS),
      JWT,
      basic,
      "/services/T0SECRET/B0SECRET/slackpathtoken4242",
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
