import { got, type Method } from "got";
import type { Logger } from "pino";
import { safeUrl } from "../log/index.js";
import { RancherApiError, RancherAuthError, TransientRancherError } from "./rancher-errors.js";

/** Error codes of network failures worth retrying. */
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ECONNABORTED",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

export interface RetryPolicy {
  /** Attempts in all (first try included). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface RancherHttpOptions {
  /** Config name of the environment, for error messages. */
  readonly environment: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called once per HTTP exchange with the call kind (`get`, `upgrade`…) and outcome (`ok`, `http_404`, `network`…). */
  readonly onCall?: (kind: string, outcome: string) => void;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * The HTTP layer of the Rancher client: Basic auth, JSON, a timeout on every call, both error
 * shapes parsed, and capped exponential backoff with full jitter for the calls that may retry.
 * Credentials never appear in URLs, errors or logs.
 */
export class RancherHttp {
  readonly #authorization: string;
  readonly #options: RancherHttpOptions;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: RancherHttpOptions) {
    this.#options = options;
    this.#authorization = `Basic ${Buffer.from(`${options.accessKey}:${options.secretKey}`).toString("base64")}`;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
  }

  /** The Authorization header value (for the websocket upgrade request). */
  get authorization(): string {
    return this.#authorization;
  }

  /** Backoff before attempt `attempt + 1` (1-based), honouring a server's Retry-After. */
  async backoff(attempt: number, retryAfterMs?: number): Promise<void> {
    const exp = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    const delay =
      retryAfterMs === undefined
        ? Math.round(exp * this.#random())
        : Math.min(retryAfterMs, this.#retry.maxDelayMs);
    await this.#sleep(delay);
  }

  get retry(): RetryPolicy {
    return this.#retry;
  }

  /** GET with retries on transient failures. */
  async get<T>(url: string, kind = "get"): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.send<T>("GET", url, undefined, kind);
      } catch (error) {
        if (!(error instanceof TransientRancherError) || attempt >= this.#retry.attempts) throw error;
        this.#options.logger.warn(
          { attempt, err: { message: error.message } },
          "rancher call failed, retrying",
        );
        await this.backoff(attempt, error.retryAfterMs);
      }
    }
  }

  /** One exchange, no retry. Throws RancherApiError, RancherAuthError or TransientRancherError. */
  async send<T>(method: Method, url: string, body: unknown, kind: string): Promise<T> {
    const started = performance.now();
    const where = safeUrl(url, { keepPath: true });
    let response;
    try {
      response = await got(url, {
        method,
        headers: {
          authorization: this.#authorization,
          accept: "application/json",
          "content-type": "application/json",
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeout: { request: this.#options.requestTimeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
        responseType: "text",
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "ERR_NETWORK";
      this.#record(kind, "network", method, where, undefined, started);
      if (code === "ETIMEDOUT" || RETRYABLE_NETWORK_CODES.has(code) || code.startsWith("ERR_")) {
        throw new TransientRancherError(`${code} on ${method} ${where}`);
      }
      throw new TransientRancherError(`network error on ${method} ${where}`);
    }
    const status = response.statusCode;
    this.#record(kind, status < 300 ? "ok" : `http_${status}`, method, where, status, started);
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(response.body) as T;
      } catch {
        throw new TransientRancherError(`unparseable JSON from ${method} ${where}`);
      }
    }
    const parsed = parseErrorBody(response.body);
    if (status === 401 || status === 403) {
      throw new RancherAuthError(
        status === 401
          ? `Rancher rejected the API key of environment "${this.#options.environment}" (401): check its accessKey/secretKey`
          : `the API key of environment "${this.#options.environment}" may not access ${where} (403): check the project and the key's scope`,
      );
    }
    if (status === 408 || status === 429 || status >= 500) {
      throw new TransientRancherError(
        `Rancher answered ${status} to ${method} ${where}`,
        retryAfterMs(response.headers["retry-after"]),
      );
    }
    throw new RancherApiError({ httpStatus: status, ...parsed, method, url: where });
  }

  #record(
    kind: string,
    outcome: string,
    method: string,
    url: string,
    status: number | undefined,
    started: number,
  ): void {
    this.#options.onCall?.(kind, outcome);
    this.#options.logger.debug(
      { method, url, status, durationMs: Math.round((performance.now() - started) * 10) / 10, kind },
      "rancher call",
    );
  }
}

function parseErrorBody(text: string): { rancherCode?: string; fieldName?: string; rancherMessage?: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const pick = (key: string): string | undefined => {
      const value = body[key];
      return typeof value === "string" ? value.slice(0, 300) : undefined;
    };
    const out: { rancherCode?: string; fieldName?: string; rancherMessage?: string } = {};
    const code = pick("code");
    const fieldName = pick("fieldName");
    const message = pick("message");
    if (code !== undefined) out.rancherCode = code;
    if (fieldName !== undefined) out.fieldName = fieldName;
    if (message !== undefined && message !== code) out.rancherMessage = message;
    return out;
  } catch {
    return {};
  }
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
