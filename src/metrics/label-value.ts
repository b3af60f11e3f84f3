/** The label value for anything not in a metric's allow-list (keeps cardinality bounded). */
export const OTHER = "other";

/** Outcomes of `drover_webhooks_total`; `webhookOutcome(status)` maps an HTTP status to one. */
export const WEBHOOK_OUTCOMES: readonly string[] = [
  "accepted",
  "ignored",
  "duplicate",
  "malformed",
  "unauthorized",
  "unknown_source",
  "too_large",
  "unsupported_media_type",
  "invalid",
  "rate_limited",
  "unavailable",
  "error",
];

/** Rancher call kinds (`get`, `resolve`, `instances`) and the service actions drover POSTs. */
export const RANCHER_CALL_KINDS: readonly string[] = [
  "get",
  "resolve",
  "instances",
  "upgrade",
  "finishupgrade",
  "rollback",
  "cancelupgrade",
  "cancelrollback",
  "restart",
];

/** `value` when allowed (exact, lower-cased), else `other`. */
export function labelValue(value: string, allowed: Iterable<string>): string {
  const lower = value.toLowerCase();
  for (const candidate of allowed) if (candidate === lower) return candidate;
  return OTHER;
}

/** Rancher call outcomes: `ok`, `network`, `http_<status>` (100–599), else `other`. */
export function rancherOutcome(outcome: string): string {
  return outcome === "ok" || outcome === "network" || /^http_[1-5]\d\d$/.test(outcome) ? outcome : OTHER;
}

const STATUS_OUTCOMES: Readonly<Record<number, string>> = {
  200: "ignored",
  202: "accepted",
  400: "malformed",
  401: "unauthorized",
  403: "unauthorized",
  404: "unknown_source",
  413: "too_large",
  415: "unsupported_media_type",
  422: "invalid",
  429: "rate_limited",
  503: "unavailable",
};

/**
 * The `drover_webhooks_total` outcome for a `/hooks/*` response status: 202 accepted (deployments
 * queued), 200 ignored (valid, nothing to deploy), 400 malformed, 401/403 unauthorized, 404
 * unknown_source, 413 too_large, 415 unsupported_media_type, 422 invalid, 429 rate_limited, 503
 * unavailable, other 5xx error, anything else `other`. `duplicate` is passed by name.
 */
export function webhookOutcome(status: number): string {
  return STATUS_OUTCOMES[status] ?? (status >= 500 && status < 600 ? "error" : OTHER);
}
