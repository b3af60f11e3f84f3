import type { Deployment } from "../domain/index.js";
import { safeUrl } from "../log/index.js";

/** What the API shows of a deployment: everything but the callback URL; probe URLs made safe. */
export function presentDeployment(deployment: Deployment): Record<string, unknown> {
  const { callbackUrl: _callbackUrl, settings, ...rest } = deployment;
  const http = settings.verify.http;
  return {
    ...rest,
    settings:
      http === undefined
        ? settings
        : {
            ...settings,
            verify: { ...settings.verify, http: { ...http, url: safeUrl(http.url, { keepPath: true }) } },
          },
  };
}
