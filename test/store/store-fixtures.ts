import { SqliteDeploymentStore } from "../../src/store/sqlite-deployment-store.js";
import { manualClock } from "./contract/contract-fixtures.js";

export { deliveryKey, manualClock, newDeployment, settings } from "./contract/contract-fixtures.js";

/** An in-memory store on a manual clock. */
export function memoryStore(clock = manualClock()) {
  return { store: new SqliteDeploymentStore(":memory:", { now: clock.now }), clock };
}
