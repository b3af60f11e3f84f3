/**
 * The one image reference of drover: Docker's reference grammar (distribution/reference
 * `regexp.go`, the parts drover needs), splitting `registry/repo:tag@digest`, normalising to the
 * canonical `docker.io/library/…` form, the familiar form Rancher runs, and the redelivery
 * fingerprint. Pure: problems come back as values, callers raise their own errors.
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

/** The canonical Docker Hub host. */
export const DOCKER_HUB_HOST = "docker.io";
/** Hosts that are Docker Hub under another name. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  DOCKER_HUB_HOST,
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

/** An image name split into registry host (absent: Docker Hub) and repository path. */
export interface ImageNameParts {
  readonly registryHost?: string;
  readonly repository: string;
}

export type ImageNameResult =
  { readonly ok: true; readonly value: ImageNameParts } | { readonly ok: false; readonly problem: string };

/** An image name in canonical form. */
export interface NormalizedImage {
  /** Lower-case `host[:port]`; `docker.io` for Docker Hub. */
  readonly registryHost: string;
  /** The repository path; `library/<name>` for Docker Hub official images. */
  readonly repository: string;
  /** `registryHost/repository`, the name rules and pushes are compared by. */
  readonly name: string;
}

export type NormalizedImageResult =
  { readonly ok: true; readonly value: NormalizedImage } | { readonly ok: false; readonly problem: string };

/** An image reference split into name, tag and digest. */
export interface ImageReferenceParts {
  readonly image: string;
  /** Absent when the reference names no tag (Docker then reads `latest`). */
  readonly tag?: string;
  readonly digest?: string;
}

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

/**
 * Splits `name[:tag][@digest]` as Rancher runs it (`nginx:1.25`, `host:5000/a/b`, `a/b:1@sha256:…`).
 * The tag is after the last `:` only when that `:` follows the last `/` (a `:` before it is a
 * registry port). Nothing is validated: {@link parseImageReference} checks the parts and normalises the name.
 */
export function splitImageReference(reference: string): ImageReferenceParts {
  const at = reference.indexOf("@");
  const named = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  return {
    image: hasTag ? named.slice(0, colon) : named,
    ...(hasTag ? { tag: named.slice(colon + 1) } : {}),
    ...(digest === undefined || digest === "" ? {} : { digest }),
  };
}

/**
 * Normalises an image name like Docker's reference parsing (`ParseNormalizedNamed`), exactly as
 * written (no trimming): `nginx` → `docker.io/library/nginx`, `shop/web` → `docker.io/shop/web`,
 * `index.docker.io/shop/web` → `docker.io/shop/web`, `Registry.Example.com:5000/shop/web` →
 * `registry.example.com:5000/shop/web`. Repository paths are not lower-cased (upper case is refused).
 */
export function normalizeImageName(text: string): NormalizedImageResult {
  const split = splitImageName(text);
  if (!split.ok) return split;
  return {
    ok: true,
    value: canonicalImage(split.value.registryHost ?? DOCKER_HUB_HOST, split.value.repository),
  };
}

/** An image reference checked against Docker's grammar, its name normalised. */
export interface ParsedImageReference {
  /** The normalised name (`docker.io/library/nginx`, `registry.example.com:5000/shop/web`). */
  readonly name: string;
  /** Absent when the reference names no tag (Docker then reads `latest`). */
  readonly tag?: string;
  readonly digest?: string;
}

export type ImageReferenceResult =
  | { readonly ok: true; readonly value: ParsedImageReference }
  | {
      readonly ok: false;
      /** Which part is wrong. */
      readonly part: "name" | "tag" | "digest";
      /** That part as written (the caller decides whether to quote it). */
      readonly written: string;
      readonly problem: string;
    };

/**
 * Parses `name[:tag][@digest]` (`nginx:1.25`, `host:5000/a/b`, `a/b:1@sha256:…`) exactly as written:
 * {@link splitImageReference}, then the digest ({@link DIGEST_PATTERN}; an `@` needs one), the tag
 * ({@link TAG_PATTERN}) and the name ({@link normalizeImageName}) are checked, in that order, and the
 * name comes back normalised. A missing tag is not a problem here (`tag` is absent).
 *
 * @example parseImageReference("nginx:1.25") // { ok: true, value: { name: "docker.io/library/nginx", tag: "1.25" } }
 */
export function parseImageReference(text: string): ImageReferenceResult {
  const parts = splitImageReference(text);
  if (text.includes("@") && (parts.digest === undefined || !DIGEST_PATTERN.test(parts.digest)))
    return { ok: false, part: "digest", written: parts.digest ?? "", problem: "not a sha256 digest" };
  if (parts.tag !== undefined && !TAG_PATTERN.test(parts.tag))
    return { ok: false, part: "tag", written: parts.tag, problem: "not a valid tag" };
  const name = normalizeImageName(parts.image);
  if (!name.ok) return { ok: false, part: "name", written: parts.image, problem: name.problem };
  return {
    ok: true,
    value: {
      name: name.value.name,
      ...(parts.tag === undefined ? {} : { tag: parts.tag }),
      ...(parts.digest === undefined ? {} : { digest: parts.digest }),
    },
  };
}

/** The canonical name of a host (Docker Hub aliases → `docker.io`) and repository (`library/` added on Docker Hub). */
export function canonicalImage(host: string, repository: string): NormalizedImage {
  const lowerHost = host.toLowerCase();
  const registryHost = DOCKER_HUB_ALIASES.has(lowerHost) ? DOCKER_HUB_HOST : lowerHost;
  const path =
    registryHost === DOCKER_HUB_HOST && !repository.includes("/") ? `library/${repository}` : repository;
  return { registryHost, repository: path, name: `${registryHost}/${path}` };
}

/**
 * The image reference Rancher gets for a normalised name: Docker Hub images in their familiar
 * form (`docker.io/library/nginx` → `nginx`, `docker.io/acme/api` → `acme/api`), others unchanged.
 */
export function familiarImage(name: string): string {
  if (name.startsWith("docker.io/library/")) return name.slice("docker.io/library/".length);
  if (name.startsWith("docker.io/")) return name.slice("docker.io/".length);
  return name;
}

/** `name:tag`, or `name:tag@digest` when a digest is given. */
export function formatImageReference(name: string, tag: string, digest?: string): string {
  return digest === undefined ? `${name}:${tag}` : `${name}:${tag}@${digest}`;
}

/**
 * What a push is deduplicated by when it carries no delivery id: `host/repository:tag@digest`,
 * lower-cased, with Docker Hub (no host) as `docker.io` and an empty digest when there is none.
 */
export function imageFingerprint(push: {
  readonly registryHost?: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}): string {
  return `${push.registryHost ?? DOCKER_HUB_HOST}/${push.repository}:${push.tag}@${push.digest ?? ""}`.toLowerCase();
}
