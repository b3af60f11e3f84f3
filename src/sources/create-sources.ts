import type { Config, SourceName } from "../config/index.js";
import { SOURCES } from "./registry.js";
import type { Source, SourceDeps, SourceDescriptor } from "./source.js";

/** Inputs `createSources` cannot read itself (no I/O here). */
export type CreateSourcesOptions = SourceDeps;

/**
 * The configured sources by route name (`/hooks/<name>`): only those present under `sources` in
 * the config, in registry order (`SOURCES`).
 *
 * @throws {ConfigError} when CI is configured with neither or both of jwtSecret/jwtPublicKeyFile,
 *   when `publicKeyText` is missing for jwtPublicKeyFile, or when the key is not usable.
 */
export function createSources(
  sources: Config["sources"],
  options: CreateSourcesOptions = {},
): ReadonlyMap<string, Source> {
  const created = new Map<string, Source>();
  for (const descriptor of SOURCES) {
    const source = createConfigured(descriptor, sources, options);
    if (source !== undefined) created.set(source.name, source);
  }
  return created;
}

function createConfigured<N extends SourceName>(
  descriptor: SourceDescriptor<N>,
  sources: Config["sources"],
  deps: SourceDeps,
): Source | undefined {
  const settings = sources[descriptor.name];
  return settings === undefined ? undefined : descriptor.create(settings, deps);
}
