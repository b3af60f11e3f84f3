/** An image reference split into name, tag and digest. */
export interface ImageReferenceParts {
  readonly image: string;
  /** Absent when the reference names no tag (Docker then reads `latest`). */
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Splits `name[:tag][@digest]` as Rancher runs it (`nginx:1.25`, `host:5000/a/b`, `a/b:1@sha256:…`).
 * The tag is after the last `:` only when that `:` follows the last `/` (a `:` before it is a
 * registry port).
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
