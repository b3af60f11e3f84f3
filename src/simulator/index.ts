/**
 * The Rancher 1.6 API simulator (docs/simulator.md): `/v1` and `/v2-beta`, API-key auth, the
 * service state machine and in-service upgrade of Cattle, containers with health, the
 * `subscribe` websocket, scripted failures and fault injection, on a real or manual clock.
 */
export {
  createRancherSimulator,
  type RancherSimulator,
  type RancherSimulatorOptions,
} from "./create-rancher-simulator.js";
export type {
  BehaviourControl,
  FaultControl,
  SimulatorClockControl,
  SimulatorControl,
} from "./simulator-control.js";
export {
  BUILTIN_BEHAVIOURS,
  DEFAULT_TIMING,
  imageTag,
  type BehaviourRule,
  type ContainerBehaviour,
  type SimTiming,
  type TimingOverrides,
} from "./behaviours.js";
export { NO_FAULTS, type FaultSettings, type ScriptedFault } from "./faults.js";
export type { RecordedRequest } from "./request-log.js";
export { DEFAULT_SEED_YAML, defaultSeed, loadSeedFile, parseSeed, validateSeed } from "./seed.js";
export type { Seed, SeedInput } from "./seed-schema.js";
export { SERVICE_STATES, type ServiceState } from "./sim-model.js";
export {
  ManualClock,
  ScaledClock,
  MANUAL_CLOCK_START_MS,
  type SimClock,
  type SimTimer,
} from "./sim-clock.js";
export { SeedError, SimulatorError } from "./sim-errors.js";
export { createSeededRandom } from "./seeded-random.js";
