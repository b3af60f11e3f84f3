import { AppError } from "../errors/index.js";

/** Error codes recorded on deployments (`deployment.error.code`). */
export const ERR = {
  SERVICE_STATE: "ERR_SERVICE_STATE",
  TARGET: "ERR_TARGET_INVALID",
  UPGRADE_TIMEOUT: "ERR_UPGRADE_TIMEOUT",
  VERIFY_TIMEOUT: "ERR_VERIFY_TIMEOUT",
  FINISH_TIMEOUT: "ERR_FINISH_TIMEOUT",
  UNHEALTHY: "ERR_UNHEALTHY",
  ROLLBACK: "ERR_ROLLBACK_FAILED",
  /** Another actor changed the target (an image or launch config version drover did not create). */
  TARGET_CHANGED: "ERR_TARGET_CHANGED",
  CANCELED: "ERR_CANCELED",
  RESUMED: "ERR_RESUMED",
  INTERNAL: "ERR_INTERNAL",
} as const;

/** A deployment cannot go on; `failureCode` is what the deployment records. */
export class DeploymentFailure extends AppError {
  readonly code = "ERR_DEPLOYMENT";
  readonly failureCode: string;

  constructor(failureCode: string, message: string) {
    super(message);
    this.failureCode = failureCode;
  }
}
