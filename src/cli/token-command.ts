import { createPrivateKey, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import jwt from "jsonwebtoken";
import { parseDurationMs } from "../config/index.js";
import { UsageError } from "../errors/index.js";
import type { CliIo } from "./cli-command.js";
import { defineCommand } from "./define-command.js";

/** `drover token create`: mint a CI JWT with exp, jti and an optional image/target scope. */
export const tokenCommand = defineCommand({
  words: ["token", "create"],
  summary: "mint a CI token (JWT) for /hooks/ci",
  description:
    "Mints a CI token (JWT) for POST /hooks/ci and prints it on stdout (exactly one of\n--secret-env or --key).",
  flags: {
    "secret-env": {
      type: "string",
      value: "VAR",
      description:
        "sign with HS256 using the secret in environment variable VAR (the value of\nsources.ci.jwtSecret; never pass secrets as arguments)",
    },
    key: {
      type: "string",
      value: "FILE",
      description:
        "sign with a PEM private key: RSA → RS256, EC P-256 → ES256 (drover holds the\npublic key in sources.ci.jwtPublicKeyFile)",
    },
    scope: {
      type: "string",
      multiple: true,
      value: "K=PATTERN",
      description:
        "limit the token: image=registry.example.com/shop/* and/or target=prod/shop/*\n(repeat, or separate with commas); without --scope the token may deploy anything",
    },
    ttl: { type: "string", value: "DURATION", description: "lifetime, e.g. 1h, 30d (default 90d)" },
    subject: {
      type: "string",
      value: "S",
      description: "the token's sub (shown in drover's logs), e.g. the CI project name",
    },
    audience: {
      type: "string",
      value: "A",
      description: "aud claim (must match sources.ci.audience when that is set)",
    },
    issuer: {
      type: "string",
      value: "I",
      description: "iss claim (must match sources.ci.issuer when that is set)",
    },
  },
  notes: "The token carries exp, iat and a unique jti.",
  // eslint-disable-next-line @typescript-eslint/require-await -- the CliCommand contract is async
  async run({ values }, io: CliIo): Promise<number> {
    const secretEnv = values["secret-env"];
    if ((secretEnv === undefined) === (values.key === undefined))
      throw new UsageError("give exactly one of --secret-env VAR or --key FILE");
    const ttlMs = parseDurationMs(values.ttl ?? "90d");
    if (ttlMs === undefined || ttlMs < 60_000)
      throw new UsageError(`--ttl "${values.ttl ?? ""}" is not a duration of at least 1m`);
    const scope = parseScope(values.scope ?? []);
    const signing = secretEnv === undefined ? privateKey(values.key ?? "") : hmacSecret(io, secretEnv);
    const jti = randomUUID();
    const token = jwt.sign(scope === undefined ? {} : { scope }, signing.key, {
      algorithm: signing.algorithm,
      expiresIn: Math.floor(ttlMs / 1000),
      jwtid: jti,
      ...(values.subject === undefined ? {} : { subject: values.subject }),
      ...(values.audience === undefined ? {} : { audience: values.audience }),
      ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
    });
    const expires = new Date(Date.now() + ttlMs).toISOString();
    io.stdout.write(`${token}\n`);
    io.stderr.write(
      `token ${jti} (${signing.algorithm}) expires ${expires}${scope === undefined ? ", unscoped" : ""}\n`,
    );
    return 0;
  },
});

function parseScope(items: readonly string[]): { images?: string[]; targets?: string[] } | undefined {
  const images: string[] = [];
  const targets: string[] = [];
  for (const part of items
    .flatMap((item) => item.split(","))
    .map((text) => text.trim())
    .filter((text) => text !== "")) {
    const match = /^(image|target)=(.+)$/.exec(part);
    if (match === null) throw new UsageError(`--scope "${part}" must be image=PATTERN or target=PATTERN`);
    (match[1] === "image" ? images : targets).push(match[2] ?? "");
  }
  if (images.length === 0 && targets.length === 0) return undefined;
  return { ...(images.length === 0 ? {} : { images }), ...(targets.length === 0 ? {} : { targets }) };
}

function hmacSecret(io: CliIo, name: string): { key: string; algorithm: jwt.Algorithm } {
  const secret = io.env[name];
  if (secret === undefined || secret.length < 32)
    throw new UsageError(`environment variable ${name} must hold the CI secret (at least 32 characters)`);
  return { key: secret, algorithm: "HS256" };
}

function privateKey(file: string): { key: string; algorithm: jwt.Algorithm } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read --key ${file} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
    );
  }
  let type: string | undefined;
  try {
    type = createPrivateKey(text).asymmetricKeyType;
  } catch {
    throw new UsageError(`--key ${file} is not a PEM private key`);
  }
  if (type === "rsa") return { key: text, algorithm: "RS256" };
  if (type === "ec") return { key: text, algorithm: "ES256" };
  throw new UsageError(`--key ${file} must be an RSA or EC P-256 private key (found ${type ?? "unknown"})`);
}
