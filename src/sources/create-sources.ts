import type { Config } from "../config/index.js";
import { ConfigError } from "../errors/index.js";
import { createCiSource } from "./ci-source.js";
import { createDockerHubSource } from "./docker-hub-source.js";
import { createGhcrSource } from "./ghcr-source.js";
import { createHarborSource } from "./harbor-source.js";
import { createQuaySource } from "./quay-source.js";
import { createRegistrySource } from "./registry-source.js";
import type { Source } from "./source.js";
import type { CiTokenKey } from "./verify-ci-token.js";

/** Inputs `createSources` cannot read itself (no I/O here). */
export interface CreateSourcesOptions {
  /** The text of `sources.ci.jwtPublicKeyFile`, read by the caller. */
  readonly publicKeyText?: string;
}

/**
 * The configured sources by route name (`/hooks/<name>`): only those present under `sources` in
 * the config. Names: `dockerhub`, `registry`, `ci`, `harbor`, `quay`, `ghcr`.
 *
 * @throws {ConfigError} when CI is configured with neither or both of jwtSecret/jwtPublicKeyFile,
 *   when `publicKeyText` is missing for jwtPublicKeyFile, or when the key is not usable.
 */
export function createSources(
  sources: Config["sources"],
  options: CreateSourcesOptions = {},
): ReadonlyMap<string, Source> {
  const created: Source[] = [];
  if (sources.dockerhub !== undefined)
    created.push(createDockerHubSource({ token: sources.dockerhub.token }));
  if (sources.registry !== undefined) created.push(createRegistrySource({ bearer: sources.registry.bearer }));
  if (sources.ci !== undefined) {
    const { audience, issuer, singleUse } = sources.ci;
    created.push(
      createCiSource({
        key: ciKey(sources.ci, options.publicKeyText),
        ...(audience === undefined ? {} : { audience }),
        ...(issuer === undefined ? {} : { issuer }),
        ...(singleUse === undefined ? {} : { singleUse }),
      }),
    );
  }
  if (sources.harbor !== undefined) created.push(createHarborSource({ token: sources.harbor.token }));
  if (sources.quay !== undefined) created.push(createQuaySource({ token: sources.quay.token }));
  if (sources.ghcr !== undefined)
    created.push(createGhcrSource({ webhookSecret: sources.ghcr.webhookSecret }));
  return new Map(created.map((source) => [source.name, source]));
}

function ciKey(ci: NonNullable<Config["sources"]["ci"]>, publicKeyText: string | undefined): CiTokenKey {
  const problem = (message: string) =>
    new ConfigError([
      { file: "sources.ci", path: "sources.ci", message, hint: "To resolve, fix sources.ci in the config" },
    ]);
  if ((ci.jwtSecret === undefined) === (ci.jwtPublicKeyFile === undefined)) {
    throw problem("set exactly one of jwtSecret (HS256) or jwtPublicKeyFile (RS256/ES256)");
  }
  if (ci.jwtSecret !== undefined) return { secret: ci.jwtSecret };
  if (publicKeyText === undefined) throw problem("jwtPublicKeyFile is set but its contents were not loaded");
  return { publicKeyText };
}
