/**
 * A CI token's `scope` claim through the real app over HTTP: a delivery the scope does not cover
 * (its image, or any target its rules match) is refused whole with 403 `ERR_OUT_OF_SCOPE`, with or
 * without `?wait=`, and nothing is stored.
 */
import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { createTestApp } from "../helpers/test-app.js";

const SECRET = "ci-scope-jwt-secret-0123456789abcdef0123456789";
const FRONTEND = "registry.example.com/shop/frontend";
/** Deployed by its rule to two targets: `demo/shop/worker` and `demo/shop/frontend`. */
const FANOUT = "registry.example.com/shop/fanout";

const CONFIG = `
storage: { path: ":memory:" }
sources:
  ci: { jwtSecret: "${SECRET}" }
environments:
  demo: { simulator: default, timeScale: 0.02 }
rules:
  - image: ${FRONTEND}
    tags: { glob: "*" }
    targets: [{ environment: demo, stack: shop, service: frontend }]
  - image: ${FANOUT}
    tags: { glob: "*" }
    targets:
      - { environment: demo, stack: shop, service: worker }
      - { environment: demo, stack: shop, service: frontend }
`;

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function ciToken(scope: { images?: string[]; targets?: string[] }): string {
  return jwt.sign({ sub: "ci-test", scope }, SECRET, {
    algorithm: "HS256",
    expiresIn: 3_600,
    jwtid: randomUUID(),
  });
}

function postCi(target: App, body: unknown, token: string, query = "") {
  return request(target.http)
    .post(`/hooks/ci${query}`)
    .set("content-type", "application/json")
    .set("authorization", `Bearer ${token}`)
    .send(JSON.stringify(body));
}

describe("POST /hooks/ci with a scoped token", () => {
  it.each([
    [
      "the image",
      { images: ["registry.example.com/other/*"] },
      FRONTEND,
      /image registry\.example\.com\/shop\/frontend is outside the token's scope/,
    ],
    [
      "the target",
      { targets: ["production/*/*"] },
      FRONTEND,
      /target demo\/shop\/frontend is outside the token's scope/,
    ],
    [
      "one of the targets",
      { targets: ["demo/shop/frontend"] },
      FANOUT,
      /target demo\/shop\/worker is outside the token's scope/,
    ],
  ])(
    "refuses a push whose scope excludes %s with 403, with and without ?wait, storing nothing",
    async (_what, scope, image, message) => {
      app = createTestApp(CONFIG).app;

      for (const query of ["", "?wait=30"]) {
        const res = await postCi(app, { image, tag: "1.5.0" }, ciToken(scope), query);

        expect({ query, status: res.status, body: res.body as unknown }).toEqual({
          query,
          status: 403,
          body: { error: { code: "ERR_OUT_OF_SCOPE", message: expect.stringMatching(message) } },
        });
      }
      expect(app.core.store.list({ limit: 100 }).items).toEqual([]);
    },
  );

  it("accepts a push inside its scope", async () => {
    app = createTestApp(CONFIG).app;

    const res = await postCi(
      app,
      { image: FANOUT, tag: "1.5.0" },
      ciToken({ images: ["registry.example.com/shop/*"], targets: ["demo/shop/*"] }),
    );

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((res.body as { deployments: unknown[] }).deployments).toHaveLength(2);
  });

  it("still answers 200 ignored for a push no rule matches (not a scope question)", async () => {
    app = createTestApp(CONFIG).app;

    const res = await postCi(
      app,
      { image: "registry.example.com/shop/unknown", tag: "1" },
      ciToken({ images: ["registry.example.com/shop/*"] }),
    );

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deployments: [], ignored: expect.stringMatching(/no rule/) });
  });
});
