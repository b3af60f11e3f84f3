import { dirname, isAbsolute, resolve } from "node:path";
import type { Logger } from "pino";
import type { SimulatorStarter } from "../deploy/index.js";
import { createRancherSimulator } from "../simulator/index.js";

/**
 * Starts in-process simulators for `simulator:` environments: `default` is the built-in seed,
 * anything else a seed file (relative paths are relative to the config file's folder).
 */
export function createSimulatorStarter(configFile: string, logger: Logger): SimulatorStarter {
  return async (seed, timeScale) => {
    const seedFile =
      seed === "default" ? undefined : isAbsolute(seed) ? seed : resolve(dirname(configFile), seed);
    const simulator = await createRancherSimulator({
      timeScale,
      logger, // the simulator binds its own component ("rancher-simulator")
      ...(seedFile === undefined ? {} : { seedFile }),
    });
    logger.info({ url: simulator.url, seed, timeScale }, "in-process Rancher simulator started");
    return simulator;
  };
}
