/**
 * The dashboard live, in Chromium against the demo app: the targets as Rancher runs them, a CI
 * push followed to `succeeded` through the event stream (no reload, no re-read of the deployment),
 * its page with every phase and the new containers, and a `bad-` image rolled back with the reason.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ciPush, reaches, startDashboard, withToken, type Dashboard } from "./dashboard-harness.js";

let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = await startDashboard();
});

afterAll(async () => {
  await dashboard.close();
});

interface Seen {
  readonly titles: string[];
  /** Every phase the deployment page showed as current, in order. */
  readonly phases: string[];
}

/**
 * A page with the token that records (with a MutationObserver, so nothing shown briefly is missed)
 * every title it shows and every phase a deployment page marks current, and every document it loads.
 */
async function open(path: string): Promise<{ page: Page; seen: () => Promise<Seen>; loads: string[] }> {
  const page = await dashboard.newPage();
  page.setDefaultTimeout(15_000);
  await withToken(page);
  await page.addInitScript({
    content: `
      const seen = { titles: [], phases: [] };
      window.seen = seen;
      new MutationObserver(() => {
        if (seen.titles.at(-1) !== document.title) seen.titles.push(document.title);
        const phase = document.querySelector(".phase-current")?.getAttribute("data-phase");
        if (phase != null && seen.phases.at(-1) !== phase) seen.phases.push(phase);
      }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    `,
  });
  const loads: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "document") loads.push(request.url());
  });
  await page.goto(`${dashboard.base}${path}`);
  return { page, loads, seen: () => page.evaluate<Seen>("window.seen") };
}

const card = (page: Page, service: string) => page.locator(`article[data-target="demo/shop/${service}"]`);
const field = (page: Page, service: string, name: string) =>
  card(page, service).locator(`[data-field="${name}"]`);

describe("dashboard live (Chromium, demo app, event stream)", () => {
  it("lists the demo targets grouped by stack, with the image Rancher runs, service state and health", async () => {
    const { page } = await open("/");

    await field(page, "frontend", "image")
      .filter({ hasText: "registry.example.com/shop/frontend:1.0.0" })
      .waitFor();
    await field(page, "worker", "image")
      .filter({ hasText: "registry.example.com/shop/worker:1.0.0" })
      .waitFor();

    expect(await page.locator("section.group h2").allTextContents()).toEqual(["demo / shop"]);
    expect(await field(page, "frontend", "service-state").textContent()).toBe("active, healthy");
    expect(await field(page, "frontend", "health").textContent()).toBe("2/2 healthy");
    expect(await field(page, "worker", "health").textContent()).toBe("1/1 healthy");
    expect(await field(page, "worker", "last-deployment").textContent()).toBe("none");
    await page.close();
  });

  it("shows a CI push on the targets page until it succeeded, without a reload, and its page shows each phase", async () => {
    const { page, seen, loads } = await open("/");
    await page.locator("#live.live-up").waitFor();
    await field(page, "frontend", "image")
      .filter({ hasText: "registry.example.com/shop/frontend:1.0.0" })
      .waitFor();

    const id = await ciPush(dashboard.base, "localhost:5000/shop/frontend", "1.1.0");
    const last = field(page, "frontend", "last-deployment");
    await last.locator(`a[href="/deployments/${id}"]`).waitFor();
    await last.locator(".state-succeeded").waitFor();
    await field(page, "frontend", "image")
      .filter({ hasText: "localhost:5000/shop/frontend:1.1.0" })
      .waitFor();
    const seenTitles = (await seen()).titles;

    await last.locator("a").click();
    await page.locator(".phase-end.state-succeeded").waitFor();
    const phases = await page
      .locator(".timeline li")
      .evaluateAll((items) =>
        items.map((item) => [
          item.getAttribute("data-phase"),
          item.getAttribute("data-status"),
          item.querySelector(".phase-time")?.textContent ?? "",
        ]),
      );
    await page.locator("table.containers tbody tr").first().waitFor();
    const containers = await page
      .locator("table.containers tbody tr")
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent)),
      );

    expect(seenTitles).toContain("(1) drover");
    expect(seenTitles.at(-1)).toBe("drover");
    expect(loads).toEqual([`${dashboard.base}/`]);
    expect(phases.map(([phase, status]) => [phase, status])).toEqual([
      ["queued", "done"],
      ["preparing", "done"],
      ["upgrading", "done"],
      ["verifying", "done"],
      ["finishing", "done"],
      ["succeeded", "end"],
    ]);
    for (const [, , time] of phases.slice(0, 5)) expect(time).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(containers).toHaveLength(2);
    for (const [, state, health, image] of containers) {
      expect([state, health, image]).toEqual(["running", "healthy", "localhost:5000/shop/frontend:1.1.0"]);
    }
    await page.close();
  });

  it("grows a running deployment's page live: event log, phases, end state (the deployment is read once)", async () => {
    const { page, loads } = await open("/");
    await page.locator("#live.live-up").waitFor();
    const started = reaches(dashboard.app, "preparing");

    const id = await ciPush(dashboard.base, "localhost:5000/shop/frontend", "1.2.0");
    await started;
    // Client-side navigation, as a click on a link does (the page is not reloaded).
    await page.evaluate(
      `history.pushState(null, "", "/deployments/${id}"); dispatchEvent(new PopStateEvent("popstate"));`,
    );
    await page.locator(".phase-end.state-succeeded").waitFor();
    const log = await page.locator(".events .event-detail").allTextContents();
    const reads = dashboard.requests.filter((url) => url === `${dashboard.base}/api/deployments/${id}`);
    const stored = dashboard.app.core.store.events(id).map((event) => event.detail);

    expect(loads).toEqual([`${dashboard.base}/`]);
    expect(reads).toHaveLength(1);
    expect(log).toEqual(stored);
    expect(log).toContain("upgrade finished; service active on the new image");
    await page.close();
  });

  it("shows a bad- image rolling back, then rolled back with the reason", async () => {
    const id = await ciPush(dashboard.base, "localhost:5000/shop/frontend", "bad-2");
    const { page, seen } = await open(`/deployments/${id}`);

    await page.locator(".phase-end.state-rolled-back").waitFor();
    const reason = await page.locator(".failure p").first().textContent();
    const stored = dashboard.app.core.store.get(id);
    const phases = (await seen()).phases;

    expect(stored?.state).toBe("rolled-back");
    expect(phases.slice(-2)).toEqual(["upgrading", "rolling-back"]);
    expect(reason).toBe(stored?.error?.message);
    expect(reason).not.toBe("");
    expect(await page.locator('.timeline li[data-phase="rolling-back"]').getAttribute("data-status")).toBe(
      "done",
    );
    await page.close();
  });

  it("adds a new deployment to the history's first page and follows its state, without a reload", async () => {
    const { page, loads } = await open("/history?target=demo/shop/worker");
    await page.locator("#live.live-up").waitFor();
    await page.locator("main p[role=status]").filter({ hasNotText: "Loading…" }).waitFor();

    const other = await ciPush(dashboard.base, "localhost:5000/shop/frontend", "1.3.0");
    const id = await ciPush(dashboard.base, "localhost:5000/shop/worker", "2.5.0");
    const row = page.locator(`tr[data-deployment="${id}"]`);
    await row.locator(".state-succeeded").waitFor();
    await dashboard.app.core.engine.waitForTerminal([other], 20_000);

    expect(await page.locator("table.history tbody tr").first().getAttribute("data-deployment")).toBe(id);
    expect(await page.locator(`tr[data-deployment="${other}"]`).count()).toBe(0);
    expect(loads).toEqual([`${dashboard.base}/history?target=demo/shop/worker`]);
    await page.close();
  });

  it("reconnects after the stream dropped, sending Last-Event-ID, and shows what happened meanwhile", async () => {
    const { page } = await open("/");
    await page.locator("#live.live-up").waitFor();
    const first = await ciPush(dashboard.base, "localhost:5000/shop/worker", "3.0.0");
    await field(page, "worker", "last-deployment").locator(`a[href="/deployments/${first}"]`).waitFor();
    await field(page, "worker", "last-deployment").locator(".state-succeeded").waitFor();
    const seenUpTo = dashboard.app.core.store.latestFeedId();
    const reconnects: (string | undefined)[] = [];
    page.on("request", (request) => {
      if (request.url() === `${dashboard.base}/api/events`)
        reconnects.push(request.headers()["last-event-id"]);
    });

    // The client retries after the server's `retry:` (2 s): meanwhile a deployment runs to its end.
    const succeeded = reaches(dashboard.app, "succeeded");
    const dropped = dashboard.dropEventStreams();
    const missed = await ciPush(dashboard.base, "localhost:5000/shop/worker", "3.1.0");
    await page.locator("#live.live-down").waitFor();
    expect(await succeeded).toBe(missed);
    await page.locator("#live.live-up").waitFor();
    await field(page, "worker", "last-deployment").locator(`a[href="/deployments/${missed}"]`).waitFor();
    await field(page, "worker", "image").filter({ hasText: "localhost:5000/shop/worker:3.1.0" }).waitFor();

    expect(dropped).toBe(1);
    expect(reconnects.length).toBeGreaterThan(0);
    expect(new Set(reconnects)).toEqual(new Set([String(seenUpTo)]));
    await page.close();
  });
});
