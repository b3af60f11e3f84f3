import { UsageError } from "../errors/index.js";
import { safeUrl } from "../log/index.js";
import type { CliIo } from "./cli-command.js";
import { AdminApiError, DroverUnreachableError } from "./cli-errors.js";
import type { FlagSpecs } from "./parse-cli-args.js";

export const DEFAULT_DROVER_URL = "http://127.0.0.1:8090";
/** How long one admin API call may take. */
const REQUEST_TIMEOUT_MS = 15_000;

/** `--url`, `--token` and `--json`: the flags of every command that talks to the admin API. */
export const API_FLAGS = {
  url: {
    type: "string",
    value: "URL",
    description: `drover's base URL (default: $DROVER_URL or ${DEFAULT_DROVER_URL})`,
  },
  token: {
    type: "string",
    value: "TOKEN",
    description: "admin token (default: $DROVER_ADMIN_TOKEN; prefer the variable:\narguments show in ps)",
  },
} as const satisfies FlagSpecs;

/** `--json`: print the admin API's answer as JSON instead of a table. */
export const JSON_FLAG = {
  json: { type: "boolean", description: "print the answer as JSON (one document) instead of text" },
} as const satisfies FlagSpecs;

/** A client of drover's admin API (`/api/*`) for one command run. */
export interface AdminClient {
  /** The base URL, safe to show. */
  readonly url: string;
  get(path: string): Promise<unknown>;
  post(path: string): Promise<unknown>;
}

/** Where a token came from, for messages (never the token itself). */
type TokenSource = "--token" | "DROVER_ADMIN_TOKEN" | undefined;

/** Why a connection failed, in words, from undici's `fetch failed` cause chain. */
function describeNetworkFailure(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError")
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (
    error as { cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } } | undefined
  )?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "no such host";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "the connection was closed before an answer";
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "the connection timed out";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      if (typeof code === "string") return code;
      // undici refuses some ports outright (9, 25, 6000, …: the fetch standard's blocked ports)
      if (cause?.message === "bad port") return "fetch refuses that port (a blocked port; use another)";
      if (typeof cause?.message === "string") return cause.message;
      return error instanceof Error ? error.message : "unknown error";
  }
}

/** The error for a request that got no answer: the cause in words and what to check. */
export function unreachableError(shownUrl: string, error: unknown): DroverUnreachableError {
  return new DroverUnreachableError(
    `cannot reach drover at ${shownUrl}: ${describeNetworkFailure(error)} — is \`drover serve\` running? (set --url or DROVER_URL)`,
    { cause: error },
  );
}

/** The 401 explained: which token (if any) was sent, where it comes from, and what to change. */
function unauthorized(url: string, source: TokenSource, body: ErrorBody): string {
  if (body.error?.reason === "admin-token-unset")
    return `drover at ${url} has no admin token configured, so it refuses calls that need one — set DROVER_ADMIN_TOKEN (or DROVER_ADMIN_TOKEN_FILE) where drover serve runs, or open reads with admin.readOpen`;
  if (source === undefined)
    return `drover at ${url} needs an admin token (401) and none was given — set DROVER_ADMIN_TOKEN or pass --token`;
  return `drover at ${url} refused the admin token from ${source} (401: wrong token) — it must equal the DROVER_ADMIN_TOKEN of drover serve`;
}

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string; readonly reason?: string };
}

/**
 * The admin API client of the CLI commands: base URL from `--url`/`DROVER_URL`, token from
 * `--token`/`DROVER_ADMIN_TOKEN` (sent as a bearer token; without one the request goes out
 * unauthenticated, which a server with `admin.readOpen` answers for reads). Failures become
 * errors that name the cause and the fix, never the token.
 */
export function createAdminClient(
  io: CliIo,
  values: { readonly url?: string | undefined; readonly token?: string | undefined },
): AdminClient {
  const base = (values.url ?? io.env["DROVER_URL"] ?? DEFAULT_DROVER_URL).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/i.test(base) || !URL.canParse(base))
    throw new UsageError(`"${base.slice(0, 200)}" is not an http(s) URL (set --url or DROVER_URL)`);
  const shown = safeUrl(base, { keepPath: true }).replace(/\/$/, "");
  const envToken = io.env["DROVER_ADMIN_TOKEN"];
  const token = values.token ?? (envToken === "" ? undefined : envToken);
  const source: TokenSource =
    values.token !== undefined ? "--token" : token !== undefined ? "DROVER_ADMIN_TOKEN" : undefined;

  async function call(method: "GET" | "POST", path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          accept: "application/json",
        },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachableError(shown, error);
    }
    const text = await response.text().catch(() => "");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AdminApiError(
        response.status,
        `${shown} answered ${response.status} without JSON — is it drover's address? (set --url or DROVER_URL)`,
      );
    }
    if (response.ok) return body;
    const error = body as ErrorBody;
    if (response.status === 401) throw new AdminApiError(401, unauthorized(shown, source, error));
    const detail = [error.error?.code, error.error?.message].filter((part) => part !== undefined).join(" ");
    throw new AdminApiError(response.status, `drover answered ${response.status}: ${detail}`.trim());
  }

  return { url: shown, get: (path) => call("GET", path), post: (path) => call("POST", path) };
}
