import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { openStore, type DeploymentStore } from "../../src/store/index.js";
import { describeDeploymentStoreContract } from "./contract/deployment-store-contract.js";

describeDeploymentStoreContract("SQLite :memory:", (now) => openStore({ path: ":memory:", now }));

const dir = mkdtempSync(join(tmpdir(), "drover-store-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths = new WeakMap<DeploymentStore, string>();
let files = 0;

describeDeploymentStoreContract(
  "SQLite file",
  (now) => {
    const path = join(dir, `store-${(files += 1)}`, "drover.db");
    const store = openStore({ path, now });
    paths.set(store, path);
    return store;
  },
  {
    reopen: (store, now) => {
      const path = paths.get(store);
      if (path === undefined) throw new Error("not a store this test opened");
      store.close();
      const next = openStore({ path, now });
      paths.set(next, path);
      return next;
    },
  },
);
