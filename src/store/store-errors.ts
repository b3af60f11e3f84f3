import type { DeploymentState } from "../domain/index.js";
import { AppError } from "../errors/index.js";

/** Extra, optional context of a {@link StoreConflictError}. */
export interface StoreConflictOptions {
  readonly cause?: unknown;
  readonly deploymentId?: string;
  /** The state the deployment was actually in when the conditional update matched nothing. */
  readonly currentState?: DeploymentState;
}

/**
 * 409: a conditional write found the deployment in another state than the caller expected
 * (someone else moved it), or in a terminal state, which is never left.
 */
export class StoreConflictError extends AppError {
  readonly code = "ERR_STORE_CONFLICT";
  override readonly status = 409;
  readonly deploymentId: string | undefined;
  readonly currentState: DeploymentState | undefined;

  constructor(message: string, options: StoreConflictOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.deploymentId = options.deploymentId;
    this.currentState = options.currentState;
  }
}

/** 404: no deployment has this id. */
export class DeploymentNotFoundError extends AppError {
  readonly code = "ERR_DEPLOYMENT_NOT_FOUND";
  override readonly status = 404;
}

/**
 * The database could not be opened or migrated: unreadable path, not a SQLite file, or a schema
 * newer than this build knows (never downgraded). Raised at start-up; `status` stays 500.
 */
export class StoreOpenError extends AppError {
  readonly code = "ERR_STORE_OPEN";
}

/** 400: a `cursor` that no page of `list` produced. */
export class InvalidCursorError extends AppError {
  readonly code = "ERR_STORE_CURSOR_INVALID";
  override readonly status = 400;
}
