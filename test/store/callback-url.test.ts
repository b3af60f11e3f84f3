import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { newDeployment } from "./store-fixtures.js";

describe("SqliteDeploymentStore callbackUrl", () => {
  it("keeps Docker Hub's callback URL with the deployment and omits it when absent", () => {
    const store = openStore({ path: ":memory:" });
    const url = "https://registry.hub.docker.com/u/acme/api/hook/4398154ac0dd05b804b2f37dbac61a25/";

    const withUrl = store.create(newDeployment({ source: "dockerhub", callbackUrl: url }));
    const without = store.create(newDeployment());

    expect(store.get(withUrl.id)?.callbackUrl).toBe(url);
    expect(store.get(without.id)).not.toHaveProperty("callbackUrl");
    store.close();
  });
});
