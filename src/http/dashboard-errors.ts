import { AppError } from "../errors/index.js";

/** The dashboard's files (`src/dashboard/`) are not where drover looks for them: a broken installation. */
export class DashboardAssetsError extends AppError {
  readonly code = "ERR_DASHBOARD_ASSETS";
}
