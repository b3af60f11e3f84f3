import type { IncomingHttpHeaders } from "node:http";
import type { ApiVersion } from "./sim-ids.js";

/** One API call, as the HTTP layer hands it over. */
export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
  readonly version: ApiVersion;
  /** Path segments after the version, empty ones dropped. */
  readonly segments: readonly string[];
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}
