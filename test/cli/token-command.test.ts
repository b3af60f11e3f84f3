import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tokenCommand } from "../../src/cli/token-command.js";
import { UsageError } from "../../src/errors/index.js";
import { createCiTokenVerifier } from "../../src/sources/index.js";
import { createTestIo } from "../helpers/cli-io.js";

const SECRET = "ci-secret-that-is-long-enough-for-hs256-0001";

describe("tokenCommand", () => {
  it("mints an HS256 token that drover's CI verifier accepts, with exp, jti and scope", async () => {
    const io = createTestIo({ CI_JWT_SECRET: SECRET });

    const code = await tokenCommand.run(
      [
        "--secret-env",
        "CI_JWT_SECRET",
        "--scope",
        "image=registry.example.com/shop/*,target=prod/shop/*",
        "--ttl",
        "30d",
        "--subject",
        "shop-ci",
      ],
      io,
    );
    const token = io.out().trim();
    const claims = createCiTokenVerifier({ key: { secret: SECRET } })(token, new Date());

    expect(code).toBe(0);
    expect(claims.subject).toBe("shop-ci");
    expect(claims.scope).toEqual({ images: ["registry.example.com/shop/*"], targets: ["prod/shop/*"] });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(claims.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(io.err()).toContain(claims.jti);
    expect(io.err()).not.toContain(SECRET);
  });

  it("mints RS256 and ES256 tokens from PEM private keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drover-token-"));
    for (const [type, options] of [
      ["rsa", { modulusLength: 2048 }],
      ["ec", { namedCurve: "P-256" }],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(
        type as "rsa",
        options as { modulusLength: number },
      );
      const file = join(dir, `${type}.pem`);
      writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }));
      const io = createTestIo();

      expect(await tokenCommand.run(["--key", file, "--ttl", "1h"], io)).toBe(0);
      const claims = createCiTokenVerifier({
        key: { publicKeyText: publicKey.export({ type: "spki", format: "pem" }).toString() },
      })(io.out().trim(), new Date());
      expect(claims.scope).toBeUndefined();
    }
  });

  it("refuses bad usage", async () => {
    const io = createTestIo({ SHORT: "short" });

    await expect(tokenCommand.run([], io)).rejects.toBeInstanceOf(UsageError);
    await expect(tokenCommand.run(["--secret-env", "SHORT"], io)).rejects.toBeInstanceOf(UsageError);
    await expect(tokenCommand.run(["--secret-env", "MISSING"], io)).rejects.toBeInstanceOf(UsageError);
    await expect(tokenCommand.run(["--secret-env", "SHORT", "--ttl", "soon"], io)).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(tokenCommand.run(["--key", "/nonexistent.pem"], io)).rejects.toBeInstanceOf(UsageError);
    await expect(
      tokenCommand.run(["--secret-env", "X", "--scope", "colour=red"], createTestIo({ X: SECRET })),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
