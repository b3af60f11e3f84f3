/** Registrable domains owned by Docker, Inc.: their subdomains may receive callbacks. */
const DOCKER_DOMAINS = ["docker.com", "docker.io"] as const;

/**
 * Whether a Docker Hub `callback_url` may be called. The URL arrives in an unauthenticated body
 * (SSRF bait), so the rule is strict:
 * - scheme `https:`; no user info; no port other than 443;
 * - host name, lower-cased, is a strict subdomain of `docker.com` or `docker.io`
 *   (`registry.hub.docker.com` and `hub.docker.com` are the ones Docker Hub has used). The bare
 *   apexes, IP literals, `localhost`, look-alikes such as `docker.com.evil.test` or
 *   `evildocker.com`, and a trailing dot (`hub.docker.com.`) are refused.
 * The path is not checked (Docker changed its shape over the years).
 */
export function isDockerOwnedUrl(input: string): boolean {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") return false;
  if (url.port !== "" && url.port !== "443") return false;
  const host = url.hostname.toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(host)) return false;
  return DOCKER_DOMAINS.some((domain) => host.endsWith(`.${domain}`) && host.length > domain.length + 1);
}
