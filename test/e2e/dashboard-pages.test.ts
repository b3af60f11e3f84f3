/**
 * The dashboard's pages in Chromium against the demo app: the CSP header and nothing loaded from
 * outside drover, deep links that survive a reload, history filters and paging, the title's count
 * of running deployments, keyboard use and a 375 px wide screen.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_CSP } from "../../src/http/index.js";
import { deploy, reaches, startDashboard, waitRows, withToken, type Dashboard } from "./dashboard-harness.js";

let dashboard: Dashboard;
/** Ids of the deployments made in beforeAll, oldest first. */
const ids: string[] = [];

beforeAll(async () => {
  dashboard = await startDashboard({ unreachable: true });
  // Three finished deployments: two of the worker, one of the frontend.
  for (const [service, tag] of [
    ["worker", "2.0.0"],
    ["frontend", "1.1.0"],
    ["worker", "2.1.0"],
  ] as const) {
    const id = await deploy(dashboard.base, `demo/shop/${service}`, `localhost:5000/shop/${service}`, tag);
    await dashboard.app.core.engine.waitForTerminal([id], 20_000);
    ids.push(id);
  }
});

afterAll(async () => {
  await dashboard.close();
});

async function open(path: string, options: { width?: number } = {}): Promise<Page> {
  const page = await dashboard.newPage();
  page.setDefaultTimeout(10_000);
  if (options.width !== undefined) await page.setViewportSize({ width: options.width, height: 800 });
  await withToken(page);
  await page.goto(`${dashboard.base}${path}`);
  return page;
}

/** The ids listed on the history page now. */
async function listed(page: Page): Promise<string[]> {
  return page
    .locator("table.history tbody tr")
    .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-deployment") ?? ""));
}

describe("dashboard pages (Chromium, demo app)", () => {
  it("sets the CSP on the page, and every page loads only from drover's origin", async () => {
    const page = await dashboard.newPage();
    const csp: (string | undefined)[] = [];
    page.on("response", (response) => {
      if (response.request().resourceType() === "document")
        csp.push(response.headers()["content-security-policy"]);
    });
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const before = dashboard.requests.length;

    await page.goto(`${dashboard.base}/`);
    await page.locator('article[data-target="demo/shop/frontend"]').waitFor();
    await page.getByRole("link", { name: "History" }).click();
    await page.locator("table.history").waitFor();
    await page.getByRole("link", { name: ids[0] ?? "" }).click();
    await page.locator(".timeline").waitFor();
    await page.reload();
    await page.locator(".timeline").waitFor();

    const urls = dashboard.requests.slice(before);
    expect(csp).toEqual([DASHBOARD_CSP, DASHBOARD_CSP]);
    expect(urls.length).toBeGreaterThan(10);
    expect(urls.filter((url) => new URL(url).origin !== dashboard.base)).toEqual([]);
    expect(urls).toContain(`${dashboard.base}/ui/favicon.svg`);
    expect(violations).toEqual([]);
    await page.close();
  });

  it("shows a target whose Rancher cannot be reached as unreachable, with the reason", async () => {
    const page = await open("/");
    const api = page.locator('article[data-target="offline/shop/api"]');

    await api.locator('[data-field="service-state"]', { hasText: "unreachable" }).waitFor();

    expect(await page.locator("section.group h2").allTextContents()).toEqual([
      "demo / shop",
      "offline / shop",
    ]);
    expect(await api.locator('[data-field="image"]').textContent()).toBe("unknown");
    expect(await api.locator('[data-field="health"]').textContent()).toBe("unknown");
    expect(await api.locator('[data-field="note"]').textContent()).toMatch(/^Rancher unreachable: .+/);
    await page.close();
  });

  it("answers a deep link to a deployment with its page, also after a reload", async () => {
    const page = await open(`/deployments/${ids[1]}`);

    await page.locator(".phase-end.state-succeeded").waitFor();
    await page.reload();
    await page.locator(".phase-end.state-succeeded").waitFor();

    expect(await page.locator("h1").textContent()).toBe(`Deployment ${ids[1]}`);
    expect(await page.locator(".facts").innerText()).toContain("localhost:5000/shop/frontend:1.1.0");
    const phases = await page
      .locator(".timeline li")
      .evaluateAll((items) =>
        items.map((item) => [item.getAttribute("data-phase"), item.getAttribute("data-status")]),
      );
    expect(phases).toEqual([
      ["queued", "done"],
      ["preparing", "done"],
      ["upgrading", "done"],
      ["verifying", "done"],
      ["finishing", "done"],
      ["succeeded", "end"],
    ]);
    await page.close();
  });

  it("shows a clear message for a deployment that does not exist", async () => {
    const page = await open("/deployments/d_00000000000000000000000000");

    await page.locator(".outcome.error").waitFor();

    expect(await page.locator(".outcome.error").textContent()).toMatch(/d_00000000000000000000000000/);
    await page.close();
  });

  it("filters the history by target, state and image, and pages through it", async () => {
    const page = await open("/history");
    await page.locator("table.history").waitFor();
    const all = await listed(page);

    await page.getByLabel("Target").fill("demo/shop/worker");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/target=demo%2Fshop%2Fworker/);
    await waitRows(page, 2);
    const byTarget = await listed(page);

    await page.goto(`${dashboard.base}/history?image=localhost:5000/shop/worker:2.0.0&state=succeeded`);
    await waitRows(page, 1);
    const byImage = await listed(page);
    const selected = await page.getByLabel("State").inputValue();

    await page.goto(`${dashboard.base}/history?limit=2`);
    await waitRows(page, 2);
    const first = await listed(page);
    await page.getByRole("link", { name: "Older →" }).click();
    await waitRows(page, 1);
    const second = await listed(page);
    const older = await page.getByRole("link", { name: "Older →" }).count();
    await page.getByRole("link", { name: "← Newest" }).click();
    await waitRows(page, 2);

    expect(all).toEqual([...ids].reverse());
    expect(byTarget).toEqual([ids[2], ids[0]]);
    expect(byImage).toEqual([ids[0]]);
    expect(selected).toBe("succeeded");
    expect(first).toEqual([ids[2], ids[1]]);
    expect(second).toEqual([ids[0]]);
    expect(older).toBe(0);
    expect(await listed(page)).toEqual(first);
    await page.close();
  });

  it("shows the API's message for a filter drover refuses", async () => {
    const page = await open("/history?image=Not%20An%20Image!");

    await page.locator(".outcome.error").waitFor();

    expect(await page.locator(".outcome.error").textContent()).toMatch(/^invalid image name "Not An Image!"/);
    expect(await page.locator("table.history").count()).toBe(0);
    await page.close();
  });

  it("counts running deployments in the title", async () => {
    const page = await open("/history");
    await page.locator("table.history").waitFor();
    const idle = await page.title();

    const upgrading = reaches(dashboard.app, "upgrading");
    const id = await deploy(
      dashboard.base,
      "demo/shop/frontend",
      "localhost:5000/shop/frontend",
      "bad-title",
    );
    expect(await upgrading).toBe(id);
    await page.reload();
    await page.waitForFunction(`document.title === "(1) drover"`);
    dashboard.app.core.engine.cancel(id);
    await dashboard.app.core.engine.waitForTerminal([id], 20_000);

    expect(idle).toBe("drover");
    await page.close();
  });

  it("can be used with the keyboard: skip link, navigation links, buttons with a visible focus", async () => {
    const page = await open("/");
    await page.locator('article[data-target="demo/shop/frontend"]').waitFor();

    await page.keyboard.press("Tab");
    const skip = await page.evaluate<string | undefined>("document.activeElement?.textContent");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    const onHistory = await page.evaluate<string | undefined>("document.activeElement?.textContent");
    const outline = await page.evaluate<string>("getComputedStyle(document.activeElement).outlineStyle");
    await page.keyboard.press("Enter");
    await page.locator("table.history").waitFor();
    const focusable = await page.locator("main button, main a[href], main input, main select").count();

    expect(skip).toBe("Skip to content");
    expect(onHistory).toBe("History");
    expect(outline).toBe("solid");
    expect(page.url()).toBe(`${dashboard.base}/history`);
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe("History");
    expect(focusable).toBeGreaterThan(5);
    await page.close();
  });

  it("fits a 375 px wide screen on every page", async () => {
    for (const path of ["/", "/history", `/deployments/${ids[1]}`]) {
      const page = await open(path, { width: 375 });
      await page.locator("main h1").waitFor();
      await page.locator("main .muted", { hasText: "Loading…" }).waitFor({ state: "detached" });

      const width = await page.evaluate<number>("document.documentElement.scrollWidth");
      expect(width, path).toBeLessThanOrEqual(375);
      await page.close();
    }
  });
});
