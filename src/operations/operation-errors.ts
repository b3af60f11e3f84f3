import { PayloadInvalidError } from "../errors/index.js";

/** 422 `ERR_PAYLOAD_INVALID`: a deployment names an environment the config does not define. */
export class UnknownEnvironmentError extends PayloadInvalidError {
  readonly environment: string;

  constructor(environment: string) {
    super(`environment "${environment.slice(0, 60)}" is not configured`);
    this.environment = environment;
  }
}
