import { REDACTED } from "./secret-scrubber.js";

export interface SafeUrlOptions {
  /**
   * Keep the path. Only for URLs whose path carries no secret (Rancher API paths);
   * webhook URLs (Slack, Docker Hub tokens) must not keep it. Default false.
   */
  readonly keepPath?: boolean;
}

/**
 * A URL made safe for a log line or an error message: scheme and host kept, user info
 * dropped, query values replaced, and the path replaced by `/…` unless `keepPath`.
 *
 * @example safeUrl("https://key:secret@rancher.example.com/v2-beta?token=x", { keepPath: true })
 *          // "https://rancher.example.com/v2-beta?token=[Redacted]"
 */
export function safeUrl(input: string | URL, options: SafeUrlOptions = {}): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return "[invalid url]";
  }
  const path = url.pathname === "/" || options.keepPath === true ? url.pathname : "/…";
  const query =
    url.search === ""
      ? ""
      : `?${[...url.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=${REDACTED}`).join("&")}`;
  return `${url.protocol}//${url.host}${path}${query}`;
}
