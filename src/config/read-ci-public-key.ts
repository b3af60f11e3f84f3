import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError } from "../errors/index.js";
import type { Config } from "./load-config.js";

/**
 * The text of `sources.ci.jwtPublicKeyFile` (relative paths are relative to the config file), or
 * undefined when the config names none.
 *
 * @throws {ConfigError} when the file cannot be read.
 */
export function readCiPublicKey(config: Config, configFile: string): string | undefined {
  const keyFile = config.sources.ci?.jwtPublicKeyFile;
  if (keyFile === undefined) return undefined;
  const path = isAbsolute(keyFile) ? keyFile : resolve(dirname(configFile), keyFile);
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "read error";
    throw new ConfigError([
      {
        file: configFile,
        path: "sources.ci.jwtPublicKeyFile",
        message: `cannot read the public key file ${path} (${code})`,
        hint: "To resolve, point jwtPublicKeyFile at a readable PEM public key file (relative paths are relative to the config file)",
      },
    ]);
  }
}
