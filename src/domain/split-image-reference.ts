/** An image reference split into name, tag and digest. */
export interface ImageReferenceParts {
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
}

/**
 * Splits a reference as Rancher runs it (`nginx:1.25`, `host:5000/a/b`, `a/b:1@sha256:…`) into
 * name, tag and digest. The tag is after the last `:` only when that `:` follows the last `/` (a
 * `:` before it is a registry port); no tag means `latest`, as Docker reads it.
 */
export function splitImageReference(reference: string): ImageReferenceParts {
  const at = reference.indexOf("@");
  const named = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  return {
    image: hasTag ? named.slice(0, colon) : named,
    tag: hasTag ? named.slice(colon + 1) : "latest",
    ...(digest === undefined || digest === "" ? {} : { digest }),
  };
}
