/**
 * The dashboard's admin actions in Chromium against the demo app: deploy, roll back a target,
 * cancel and retry a deployment — each done with the admin token and refused cleanly (drover's
 * own error text shown, the token prompt opened) without it.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  deploy,
  startDashboard,
  storedToken,
  withToken,
  type Dashboard,
} from "./dashboard-harness.js";

let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = await startDashboard();
});

afterAll(async () => {
  await dashboard.close();
});

async function open(path: string, options: { token?: boolean } = {}): Promise<Page> {
  const page = await dashboard.newPage();
  page.setDefaultTimeout(10_000);
  if (options.token === true) await withToken(page);
  await page.goto(`${dashboard.base}${path}`);
  return page;
}

const worker = (page: Page) => page.locator('article[data-target="demo/shop/worker"]');

describe("dashboard actions (Chromium, demo app)", () => {
  it("without a token, roll back shows drover's refusal and opens the token prompt; nothing is queued", async () => {
    const page = await open("/");
    await worker(page).waitFor();

    await page.getByRole("button", { name: "Roll back demo/shop/worker" }).click();
    const outcome = worker(page).locator(".outcome.error");
    await outcome.waitFor();

    expect(await outcome.textContent()).toBe("send Authorization: Bearer <DROVER_ADMIN_TOKEN>");
    expect(await page.locator("#token-panel").isVisible()).toBe(true);
    expect(await page.locator("#token-why").textContent()).toContain("needs the admin token");
    // Reads stay open (readOpen: true): the targets are still shown.
    expect(await worker(page).isVisible()).toBe(true);
    expect(dashboard.app.core.store.list({ targetKey: "demo/shop/worker", limit: 10 }).items).toEqual([]);
    await page.close();
  });

  it("deploys image:tag from a target card with the token, and explains a bad entry", async () => {
    const page = await open("/", { token: true });
    const card = worker(page);
    const input = card.getByLabel("Deploy image:tag");

    await input.fill("localhost:5000/shop/worker");
    await card.getByRole("button", { name: "Deploy" }).click();
    const refused = await card.locator(".outcome.error").textContent();
    await input.fill("localhost:5000/shop/worker:2.0.0");
    await card.getByRole("button", { name: "Deploy" }).click();
    const link = card.locator(".outcome.ok a");
    await link.waitFor();
    const id = (await link.textContent()) ?? "";
    const [done] = await dashboard.app.core.engine.waitForTerminal([id], 20_000);

    expect(refused).toBe("Write the image as name:tag.");
    expect(id).toMatch(/^d_/);
    expect(done).toMatchObject({
      state: "succeeded",
      image: "localhost:5000/shop/worker",
      tag: "2.0.0",
      source: "manual",
    });
    await link.click();
    await page.waitForURL(`${dashboard.base}/deployments/${id}`);
    await page.locator("h1", { hasText: id }).waitFor();
    await page.close();
  });

  it("rolls a target back with the token, and shows the API's message when there is nothing to roll back to", async () => {
    const page = await open("/", { token: true });
    const frontend = page.locator('article[data-target="demo/shop/frontend"]');
    await frontend.waitFor();

    await page.getByRole("button", { name: "Roll back demo/shop/frontend" }).click();
    await frontend.locator(".outcome.error").waitFor();
    const refusal = await frontend.locator(".outcome.error").textContent();
    // The worker's deployment of the test before succeeded: its previous image can come back.
    await page.getByRole("button", { name: "Roll back demo/shop/worker" }).click();
    const link = worker(page).locator(".outcome.ok a");
    await link.waitFor();
    const id = (await link.textContent()) ?? "";
    const [done] = await dashboard.app.core.engine.waitForTerminal([id], 20_000);

    expect(refusal).toBe("no successful deployment of demo/shop/frontend is recorded");
    expect(done).toMatchObject({ state: "succeeded", source: "rollback", tag: "1.0.0" });
    expect(done?.image).toBe("registry.example.com/shop/worker");
    await page.close();
  });

  it("cancels a running deployment with the token (refused without), then retries it", async () => {
    const id = await deploy(dashboard.base, "demo/shop/frontend", "localhost:5000/shop/frontend", "bad-1");
    const page = await open(`/deployments/${id}`);
    const cancel = page.getByRole("button", { name: "Cancel" });
    await cancel.waitFor();

    await cancel.click();
    await page.locator(".actions .outcome.error").waitFor();
    const refusal = await page.locator(".actions .outcome.error").textContent();
    const promptShown = await page.locator("#token-panel").isVisible();
    // Enter the token in the prompt, as a person would.
    await page.getByLabel("Token", { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.locator(".actions .outcome.ok").waitFor();
    const accepted = await page.locator(".actions .outcome.ok").textContent();
    const [done] = await dashboard.app.core.engine.waitForTerminal([id], 20_000);
    const stored = await storedToken(page);

    expect(refusal).toBe("send Authorization: Bearer <DROVER_ADMIN_TOKEN>");
    expect(promptShown).toBe(true);
    expect(await page.locator("#token-panel").isHidden()).toBe(true);
    expect(accepted).toMatch(/^Cancel requested \((upgrading|preparing|queued|rolling-back|canceled)\)\.$/);
    expect(done?.state).toBe("canceled");
    expect(stored).toBe(ADMIN_TOKEN);
    expect(dashboard.requests.filter((url) => url.includes(ADMIN_TOKEN))).toEqual([]);

    // Reload (the event stream is not needed for this): Retry is enabled for the ended deployment.
    await page.reload();
    const retry = page.getByRole("button", { name: "Retry" });
    await page.locator(".state-canceled").first().waitFor();
    expect(await page.getByRole("button", { name: "Cancel" }).isDisabled()).toBe(true);
    await retry.click();
    const link = page.locator(".actions .outcome.ok a");
    await link.waitFor();
    const retried = dashboard.app.core.store.get((await link.textContent()) ?? "");
    expect(retried).toMatchObject({ parentId: id, tag: "bad-1" });
    dashboard.app.core.engine.cancel(retried?.id ?? "");
    await dashboard.app.core.engine.waitForTerminal([retried?.id ?? ""], 20_000);
    await page.close();
  });
});
