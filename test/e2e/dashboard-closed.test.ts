/**
 * `admin.readOpen: false`: without the admin token the dashboard shows only the token prompt and
 * no data; a wrong token keeps it there; the right one (kept in sessionStorage, sent as a Bearer
 * header, never in a URL) shows the targets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startDashboard, storedToken, waitLocked, type Dashboard } from "./dashboard-harness.js";

let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = await startDashboard({ readOpen: false });
});

afterAll(async () => {
  await dashboard.close();
});

describe("dashboard with closed reads (Chromium)", () => {
  it("shows only the token prompt without a token, and the data once the right token is entered", async () => {
    const page = await dashboard.newPage();
    page.setDefaultTimeout(10_000);
    const apiAnswers: { url: string; status: number }[] = [];
    page.on("response", (response) => {
      if (response.url().includes("/api/"))
        apiAnswers.push({ url: response.url(), status: response.status() });
    });

    await page.goto(`${dashboard.base}/`);
    await page.locator("#token-panel").waitFor();
    await waitLocked(page);
    const lockedMain = await page.locator("#main").innerHTML();
    const lockedText = await page.locator("body").innerText();
    const statuses = new Set(apiAnswers.map((answer) => answer.status));

    await page.getByLabel("Token", { exact: true }).fill("not-the-admin-token-at-all");
    await page.getByRole("button", { name: "Use token" }).click();
    await page.locator("#token-why", { hasText: "wrong admin token" }).waitFor();
    const stillLocked = await page.locator("#main").innerHTML();

    await page.getByLabel("Token", { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.locator('article[data-target="demo/shop/frontend"]').waitFor();

    expect(lockedMain).toBe("");
    expect(lockedText).not.toMatch(/frontend|worker|demo\/shop/);
    expect(lockedText).toContain("This drover shows nothing without its admin token");
    expect([...statuses]).toEqual([401]);
    expect(stillLocked).toBe("");
    expect(await page.locator("#token-panel").isHidden()).toBe(true);
    expect(await page.locator('article[data-target="demo/shop/worker"]').isVisible()).toBe(true);
    expect(
      dashboard.requests.filter((url) => url.includes(ADMIN_TOKEN) || url.includes("not-the-admin")),
    ).toEqual([]);
    expect(await storedToken(page)).toBe(ADMIN_TOKEN);
    expect(await page.evaluate<number>("localStorage.length")).toBe(0);
    await page.close();
  });

  it("shows the prompt on a deep link too, and forgetting the token locks the page again", async () => {
    const page = await dashboard.newPage();
    page.setDefaultTimeout(10_000);

    await page.goto(`${dashboard.base}/history`);
    await waitLocked(page);
    const locked = await page.locator("#main").innerHTML();
    await page.getByLabel("Token", { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.locator("h1", { hasText: "History" }).waitFor();
    await page.getByRole("button", { name: "Admin token" }).click();
    await page.getByRole("button", { name: "Forget token" }).click();
    await waitLocked(page);

    expect(locked).toBe("");
    expect(await page.locator("#main").innerHTML()).toBe("");
    expect(await storedToken(page)).toBeNull();
    await page.close();
  });
});
