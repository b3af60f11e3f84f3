import type { Config } from "../config/index.js";
import { resolveSettings } from "../deploy/index.js";
import {
  DIGEST_PATTERN,
  normalizeImageName,
  TAG_PATTERN,
  type Deployment,
  type DeployTarget,
} from "../domain/index.js";
import { PayloadInvalidError } from "../errors/index.js";
import type { NewDeployment } from "../store/index.js";
import { ensureEnvironment } from "./checks.js";
import type { OperationDeps } from "./operation-deps.js";

/** One image to one target, asked for by an operator (`POST /api/deployments`, `drover deploy`). */
export interface ManualDeployRequest {
  readonly target: DeployTarget;
  /** The image name exactly as given: no white space is trimmed (an image with it is refused). */
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
  readonly source: "manual" | "cli";
  readonly reqId?: string;
}

/**
 * Checks a manual deployment against the config and Docker's grammar and resolves its settings
 * (the first rule target naming it supplies overrides, as for a push).
 *
 * @throws {UnknownEnvironmentError} for an environment the config does not define.
 * @throws {PayloadInvalidError} for an image name, tag or digest Docker would refuse.
 */
export function prepareManualDeployment(config: Config, request: ManualDeployRequest): NewDeployment {
  ensureEnvironment(config, request.target);
  const image = normalizeImageName(request.image);
  if (!image.ok)
    throw new PayloadInvalidError(`invalid image name "${request.image.slice(0, 100)}": ${image.problem}`);
  if (!TAG_PATTERN.test(request.tag)) throw new PayloadInvalidError("tag: not a valid tag");
  if (request.digest !== undefined && !DIGEST_PATTERN.test(request.digest))
    throw new PayloadInvalidError("digest: not a sha256 digest");
  return {
    target: request.target,
    image: image.value.name,
    tag: request.tag,
    ...(request.digest === undefined ? {} : { digest: request.digest }),
    source: request.source,
    ...(request.reqId === undefined ? {} : { reqId: request.reqId }),
    settings: resolveSettings(config, request.target),
  };
}

/**
 * Records a manual deployment and queues it on this process's engine; with `queueOnly` it is only
 * recorded as queued, for a `drover serve` sharing the database to pick up.
 */
export function deployManually(
  deps: Pick<OperationDeps, "store" | "engine" | "config">,
  request: ManualDeployRequest,
  options: { readonly queueOnly?: boolean } = {},
): Deployment {
  const input = prepareManualDeployment(deps.config(), request);
  return options.queueOnly === true ? deps.store.create(input) : deps.engine.submit(input);
}
