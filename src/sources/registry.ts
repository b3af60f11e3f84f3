import type { SourceName } from "../config/index.js";
import { ciSource } from "./ci-source.js";
import { dockerHubSource } from "./docker-hub-source.js";
import { ghcrSource } from "./ghcr-source.js";
import { harborSource } from "./harbor-source.js";
import { quaySource } from "./quay-source.js";
import { registrySource } from "./registry-source.js";
import type { SourceDescriptor } from "./source.js";

/**
 * The webhook sources, one descriptor per route name. A record over `SourceName` (the keys of the
 * config's `SOURCE_SETTINGS`), so a name without a descriptor, or a descriptor under the wrong
 * name, does not compile. Adding a source: its settings in `SOURCE_SETTINGS`, its module, one
 * line here.
 */
const SOURCES_BY_NAME: { readonly [N in SourceName]: SourceDescriptor<N> } = {
  dockerhub: dockerHubSource,
  registry: registrySource,
  ci: ciSource,
  harbor: harborSource,
  quay: quaySource,
  ghcr: ghcrSource,
};

/** Every webhook source, in the order listed above. */
export const SOURCES: readonly SourceDescriptor[] = Object.values(SOURCES_BY_NAME);

/** The descriptor of one source. */
export function sourceDescriptor<N extends SourceName>(name: N): SourceDescriptor<N> {
  return SOURCES_BY_NAME[name];
}
