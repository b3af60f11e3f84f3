import type { Config } from "../config/index.js";
import { safeUrl, type Logger } from "../log/index.js";

/** Sources whose secret is a path segment (`/hooks/<name>/<token>`; see `SOURCE_SETTINGS`). */
const PATH_TOKEN_SOURCES: ReadonlySet<string> = new Set(["dockerhub", "quay"]);

/**
 * What `drover serve` starts with, one info line each: every environment (its Rancher URL made
 * safe, or "simulator"), every enabled webhook source with its route, and the admin token —
 * a warning when none is set (admin writes are then refused).
 */
export function logStartup(
  logger: Logger,
  config: Config,
  admin: { readonly tokenSet: boolean; readonly readOpen: boolean },
): void {
  for (const [name, environment] of Object.entries(config.environments)) {
    if ("simulator" in environment) {
      logger.info(
        { environment: name, simulator: environment.simulator },
        `environment ${name}: simulator (seed ${environment.simulator})`,
      );
    } else {
      const rancher = safeUrl(environment.url, { keepPath: true });
      logger.info(
        { environment: name, rancher, project: environment.project },
        `environment ${name}: Rancher ${rancher} (project ${environment.project})`,
      );
    }
  }
  const sources = Object.keys(config.sources);
  for (const name of sources) {
    const route = `POST /hooks/${name}${PATH_TOKEN_SOURCES.has(name) ? "/<token>" : ""}`;
    logger.info({ source: name, route }, `source ${name}: ${route}`);
  }
  if (sources.length === 0)
    logger.warn("no webhook source configured: only the admin API and the CLI deploy");
  const reads = admin.readOpen ? "reads open without a token (admin.readOpen)" : "reads need the token";
  if (admin.tokenSet) logger.info({ adminToken: "set" }, `admin token set: admin API enabled, ${reads}`);
  else
    logger.warn(
      { adminToken: "unset" },
      `admin token not set: admin writes disabled (set DROVER_ADMIN_TOKEN or DROVER_ADMIN_TOKEN_FILE)${admin.readOpen ? "; reads open (admin.readOpen)" : ""}`,
    );
}
