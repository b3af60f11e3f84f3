import { SqliteDeploymentStore } from "../../src/store/sqlite-deployment-store.js";
import { manualClock } from "./contract/contract-fixtures.js";

export { deliveryKey, manualClock, newDeployment, settings } from "./contract/contract-fixtures.js";

/** An in-memory store on a manual clock. */
export function memoryStore(clock = manualClock()) {
  return { store: new SqliteDeploymentStore(":memory:", { now: clock.now }), clock };
}

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
