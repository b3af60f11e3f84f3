/**
 * Docker's reference grammar (distribution/reference `regexp.go`), the parts drover needs.
 * Repository paths are lower-case by definition; hosts are case-insensitive (returned lower-cased).
 */

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";

/** A repository path: `shop/web`, `library/nginx`, `team/sub/api` (lower-case only). */
export const REPOSITORY_PATTERN = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
/** A registry host with optional port: `registry.example.com`, `127.0.0.1:5000`, `[::1]:5000`. */
export const REGISTRY_HOST_PATTERN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::([0-9]{1,5}))?$`,
);
/** Docker's tag grammar: `[\w][\w.-]{0,127}`. */
export const TAG_PATTERN = /^\w[\w.-]{0,127}$/;
/** The only digest algorithm drover accepts: `sha256:` and 64 lower-case hex digits. */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** Longest image name (host and path) Docker accepts. */
export const MAX_IMAGE_NAME_LENGTH = 255;

/** An image name split into registry host (absent: Docker Hub) and repository path. */
export interface ImageNameParts {
  readonly registryHost?: string;
  readonly repository: string;
}

export type ImageNameResult =
  { readonly ok: true; readonly value: ImageNameParts } | { readonly ok: false; readonly problem: string };

/** True for `host[:port]` per Docker's grammar, with a port in 1–65535. */
export function isRegistryHost(text: string): boolean {
  if (text.length > 255) return false;
  const match = REGISTRY_HOST_PATTERN.exec(text);
  if (match === null) return false;
  const port = match[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65_535);
}

/**
 * Splits an image name the way Docker does (`splitDockerDomain`): the first path component is a
 * registry host when it contains `.` or `:` or is `localhost`; otherwise the name is a Docker Hub
 * repository. Tags (`:1.2`) and digests (`@sha256:…`) are refused, and so are upper-case letters
 * in the repository path (Docker rejects them; drover does not silently lower-case).
 *
 * @example splitImageName("registry.example.com:5000/shop/web") // { registryHost: "registry.example.com:5000", repository: "shop/web" }
 */
export function splitImageName(text: string): ImageNameResult {
  if (text.length === 0) return { ok: false, problem: "the image name is empty" };
  if (text.length > MAX_IMAGE_NAME_LENGTH) {
    return { ok: false, problem: `the image name is longer than ${MAX_IMAGE_NAME_LENGTH} characters` };
  }
  if (text.includes("@")) return { ok: false, problem: "the image name must not include a digest" };
  const slash = text.indexOf("/");
  const first = slash === -1 ? "" : text.slice(0, slash);
  const hasHost = slash !== -1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const repository = hasHost ? text.slice(slash + 1) : text;
  if (repository.split("/").pop()?.includes(":") === true) {
    return { ok: false, problem: "the image name must not include a tag" };
  }
  if (hasHost && !isRegistryHost(first)) {
    return { ok: false, problem: `"${first.slice(0, 80)}" is not a valid registry host[:port]` };
  }
  if (/[A-Z]/.test(repository)) {
    return { ok: false, problem: "the repository path must be lower-case (Docker refuses upper-case names)" };
  }
  if (!REPOSITORY_PATTERN.test(repository)) {
    return {
      ok: false,
      problem: "the repository path must be lower-case components of a-z, 0-9 and . _ - separated by /",
    };
  }
  return { ok: true, value: hasHost ? { registryHost: first.toLowerCase(), repository } : { repository } };
}
