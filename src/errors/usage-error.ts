import { AppError } from "./app-error.js";

/** Bad command-line usage: the CLI prints the command's help to stderr and exits 2. */
export class UsageError extends AppError {
  readonly code = "ERR_CLI_USAGE";
  override readonly status = 400;
}
