import { AppError } from "../errors/index.js";

/** The CLI could not talk to drover's admin API at all (refused, no such host, no answer). */
export class DroverUnreachableError extends AppError {
  readonly code = "ERR_CLI_UNREACHABLE";
  override readonly status = 503;
}

/** drover's admin API answered with an error (`status` is the HTTP status it answered). */
export class AdminApiError extends AppError {
  readonly code = "ERR_CLI_API";
  override readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
