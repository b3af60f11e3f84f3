import { safeUrl } from "../log/index.js";
import { NOTIFY_ERR, NotificationError } from "./notification-error.js";

export interface PostJsonInput {
  readonly fetch: typeof fetch;
  readonly url: string;
  /** The exact bytes to send (what a signature was computed over). */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** Retry-After values beyond this are not honoured (the dispatcher's backoff applies instead). */
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * POSTs a JSON body without following redirects (a redirect could carry a signed body or an
 * unauthenticated callback elsewhere). Resolves on 2xx; the response body is discarded.
 *
 * @throws {NotificationError} `ERR_NOTIFY_NETWORK`/`ERR_NOTIFY_TIMEOUT` (retryable),
 *   `ERR_NOTIFY_HTTP` for 408, 429 and 5xx (retryable), `ERR_NOTIFY_REJECTED` for other 4xx and
 *   `ERR_NOTIFY_REDIRECT` for 3xx (not retryable). Messages name the host only.
 */
export async function postJson(input: PostJsonInput): Promise<void> {
  const where = safeUrl(input.url);
  let response: Response;
  try {
    response = await input.fetch(input.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "drover", ...input.headers },
      body: input.body,
      redirect: "manual",
      signal: input.signal,
    });
  } catch (error) {
    if (input.signal.aborted) {
      throw new NotificationError(NOTIFY_ERR.TIMEOUT, `no answer from ${where} in time`, {
        retryable: true,
        cause: error,
      });
    }
    throw new NotificationError(NOTIFY_ERR.NETWORK, `network error posting to ${where}`, {
      retryable: true,
      cause: error,
    });
  }
  const status = response.status;
  await response.body?.cancel().catch(() => undefined);
  if (status >= 200 && status < 300) return;
  if (status >= 300 && status < 400) {
    throw new NotificationError(
      NOTIFY_ERR.REDIRECT,
      `${where} answered ${status}; redirects are not followed`,
      {
        retryable: false,
        httpStatus: status,
      },
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = status === 429 ? parseRetryAfter(response.headers.get("retry-after")) : undefined;
    throw new NotificationError(NOTIFY_ERR.HTTP, `${where} answered ${status}`, {
      retryable: true,
      httpStatus: status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  throw new NotificationError(NOTIFY_ERR.REJECTED, `${where} answered ${status}`, {
    retryable: false,
    httpStatus: status,
  });
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Math.min(Number(value.trim()) * 1000, MAX_RETRY_AFTER_MS);
}
