import type { ImagePush } from "../domain/index.js";
import { AppError } from "../errors/index.js";
import { isRegistryHost, REPOSITORY_PATTERN, splitImageName } from "../sources/index.js";

/** 422: an image name that Docker would refuse (upper case, a tag, bad host…). */
export class ImageNameError extends AppError {
  readonly code = "ERR_IMAGE_NAME";
  override readonly status = 422;
}

/** An image name in canonical form. */
export interface NormalizedImage {
  /** Lower-case `host[:port]`; `docker.io` for Docker Hub. */
  readonly registryHost: string;
  /** The repository path; `library/<name>` for Docker Hub official images. */
  readonly repository: string;
  /** `registryHost/repository`, the name rules and pushes are compared by. */
  readonly name: string;
}

/** The canonical Docker Hub host. */
export const DOCKER_HUB_HOST = "docker.io";
/** Hosts that are Docker Hub under another name. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  DOCKER_HUB_HOST,
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

/**
 * Normalises an image name like Docker's reference parsing (`ParseNormalizedNamed`):
 * `nginx` → `docker.io/library/nginx`, `shop/web` → `docker.io/shop/web`,
 * `index.docker.io/shop/web` → `docker.io/shop/web`, `Registry.Example.com:5000/shop/web` →
 * `registry.example.com:5000/shop/web` (hosts are case-insensitive and lower-cased).
 *
 * Repository paths are not lower-cased: Docker refuses upper-case names, and so does this (a rule
 * written `Shop/Web` would otherwise silently match something else than its author meant).
 *
 * @throws {ImageNameError} for upper-case paths, a tag or digest in the name, an invalid host or path.
 */
export function normalizeImage(reference: string): NormalizedImage {
  const split = splitImageName(reference.trim());
  if (!split.ok)
    throw new ImageNameError(`invalid image name "${reference.slice(0, 100)}": ${split.problem}`);
  return canonical(split.value.registryHost ?? DOCKER_HUB_HOST, split.value.repository);
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
  return canonical(host.toLowerCase(), push.repository);
}

function canonical(host: string, repository: string): NormalizedImage {
  const lowerHost = host.toLowerCase();
  const registryHost = DOCKER_HUB_ALIASES.has(lowerHost) ? DOCKER_HUB_HOST : lowerHost;
  const path =
    registryHost === DOCKER_HUB_HOST && !repository.includes("/") ? `library/${repository}` : repository;
  return { registryHost, repository: path, name: `${registryHost}/${path}` };
}
