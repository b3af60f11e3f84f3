// The admin API client: every call sends the admin token (when one is set) as a Bearer header;
// the token lives in this tab's sessionStorage only, never in a URL.

const TOKEN_KEY = "drover.adminToken";

/** The admin token of this tab, or undefined. */
export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Stores (or, with an empty value, forgets) the admin token of this tab. */
export function setToken(token) {
  if (token === undefined || token === "") sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Request headers for the API: the Bearer token when one is set, plus `extra`. */
export function authHeaders(extra = {}) {
  const token = getToken();
  return token === undefined ? { ...extra } : { ...extra, authorization: `Bearer ${token}` };
}

/** An API answer that was not a success: `status`, drover's error `code` and its message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Called with every ApiError of status 401 (the app shows the token prompt). */
let onUnauthorized = () => {};

export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/**
 * `method path` with an optional JSON body → the parsed JSON answer.
 * Throws ApiError with drover's message when refused (or a network message when unreachable).
 */
export async function api(path, { method = "GET", body, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: authHeaders(
        body === undefined
          ? { accept: "application/json" }
          : { "content-type": "application/json", accept: "application/json" },
      ),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "NETWORK", "drover cannot be reached");
  }
  const text = await response.text();
  let json;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.ok) return json;
  const error = json?.error;
  const failure = new ApiError(
    response.status,
    typeof error?.code === "string" ? error.code : `HTTP_${response.status}`,
    typeof error?.message === "string" ? error.message : `drover answered ${response.status}`,
  );
  if (response.status === 401) onUnauthorized(failure, method);
  throw failure;
}

/** `environment/stack/service` → its path under `/api/targets/` (each part encoded). */
export function targetPath(key) {
  return key.split("/").map(encodeURIComponent).join("/");
}
