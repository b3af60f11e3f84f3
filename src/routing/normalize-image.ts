import {
  canonicalImage,
  DOCKER_HUB_HOST,
  isRegistryHost,
  normalizeImageName,
  REPOSITORY_PATTERN,
  type ImagePush,
  type NormalizedImage,
} from "../domain/index.js";
import { ImageNameError } from "./routing-errors.js";

/**
 * An image name of the mapping rules (`rules[].image`, scope patterns) in canonical form: the
 * domain's {@link normalizeImageName} after trimming surrounding white space (YAML may leave it).
 *
 * @throws {ImageNameError} for upper-case paths, a tag or digest in the name, an invalid host or path.
 */
export function normalizeImage(reference: string): NormalizedImage {
  const result = normalizeImageName(reference.trim());
  if (!result.ok)
    throw new ImageNameError(`invalid image name "${reference.slice(0, 100)}": ${result.problem}`);
  return result.value;
}

/**
 * The canonical image of a push: its registry host (absent: Docker Hub) and repository path.
 *
 * @throws {ImageNameError} when the host or repository is not valid.
 */
export function normalizePushImage(push: Pick<ImagePush, "registryHost" | "repository">): NormalizedImage {
  const host = push.registryHost ?? DOCKER_HUB_HOST;
  if (!isRegistryHost(host)) throw new ImageNameError(`invalid registry host "${host.slice(0, 100)}"`);
  if (!REPOSITORY_PATTERN.test(push.repository)) {
    throw new ImageNameError(
      `invalid repository path "${push.repository.slice(0, 100)}" (lower-case a-z 0-9 . _ - /)`,
    );
  }
  return canonicalImage(host, push.repository);
}
