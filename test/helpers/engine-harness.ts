/**
 * The former real-time engine harness. There is one engine harness now, on the simulator's manual
 * clock: `test/deploy/manual-harness.ts`. This path re-exports it for tests that import it here.
 */
export {
  createEngineHarness,
  FAST_SETTINGS,
  type EngineHarness,
  type HarnessOptions,
} from "../deploy/manual-harness.js";
