import { readFileSync } from "node:fs";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { App } from "../../src/app.js";
import { ciToken } from "../helpers/fuzz-hooks.js";
import { createTestApp } from "../helpers/test-app.js";

/** Debian's chromium (installed by .ci/run); we run as root, so without its sandbox. */
export const CHROMIUM = { executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] };

/** The admin token of the dashboard tests' drover. */
export const ADMIN_TOKEN = "dashboard-test-admin-token-0123456789";

const DEMO_CONFIG = readFileSync(new URL("../../config/drover.yml", import.meta.url), "utf8");

export interface DemoOptions {
  /** `admin.readOpen` (the demo's is true). */
  readonly readOpen?: boolean;
  /** Adds the target `offline/shop/api`, in an environment whose Rancher cannot be reached. */
  readonly unreachable?: boolean;
}

/**
 * The demo config (config/drover.yml) with faster time: the simulator at 0.02, a `bad-` image
 * rolled back after 3 s instead of 20, a 1 s soak.
 */
export function demoConfig(options: DemoOptions = {}): string {
  const replace = (text: string, from: string, to: string): string => {
    if (!text.includes(from)) throw new Error(`config/drover.yml no longer contains ${from}`);
    return text.replace(from, to);
  };
  let text = DEMO_CONFIG;
  text = replace(text, "timeScale: 0.2", "timeScale: 0.02");
  text = replace(text, "upgradeTimeout: 20s", "upgradeTimeout: 3s");
  text = replace(text, "verify: { soak: 3s, timeout: 1m }", "verify: { soak: 1s, timeout: 20s }");
  if (options.readOpen === false)
    text = replace(text, "admin: { readOpen: true }", "admin: { readOpen: false }");
  if (options.unreachable === true) {
    // A second environment whose Rancher nobody answers for (port 9, discard: nothing listens).
    text = replace(
      text,
      "environments:\n",
      "environments:\n  offline:\n    url: http://127.0.0.1:9\n    project: Default\n" +
        "    accessKey: offline-key\n    secretKey: offline-secret\n    requestTimeout: 1s\n",
    );
    text +=
      '  - image: localhost:5000/offline/api\n    tags: { glob: "*" }\n    targets:\n      - { environment: offline, stack: shop, service: api }\n';
  }
  return text;
}

export interface Dashboard {
  readonly app: App;
  /** `http://127.0.0.1:<port>`: drover's origin. */
  readonly base: string;
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Every URL the pages requested, in order. */
  readonly requests: string[];
  newPage(): Promise<Page>;
  /** Cuts the TCP connection of every event stream open now (as a network failure would); their count. */
  dropEventStreams(): number;
  close(): Promise<void>;
}

/** The whole app on the demo config, listening on a free port, and one Chromium. */
export async function startDashboard(options: DemoOptions = {}): Promise<Dashboard> {
  const { app } = createTestApp(demoConfig(options), {
    env: { DEMO_STORAGE_PATH: ":memory:" },
    adminToken: ADMIN_TOKEN,
  });
  // As `drover serve` does: watch what Rancher runs for each target, then recover.
  app.core.targets.start();
  await app.start();
  const server: Server = createServer(app.http);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const streamSockets = new Set<Socket>();
  server.on("request", (req: IncomingMessage) => {
    if (req.url?.startsWith("/api/events") !== true) return;
    const socket = req.socket;
    streamSockets.add(socket);
    socket.once("close", () => streamSockets.delete(socket));
  });
  const browser = await chromium.launch(CHROMIUM);
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  return {
    app,
    base,
    browser,
    context,
    requests,
    newPage: () => context.newPage(),
    dropEventStreams: () => {
      const count = streamSockets.size;
      for (const socket of streamSockets) socket.destroy();
      streamSockets.clear();
      return count;
    },
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/**
 * Page scripts below are text: the tsconfig has no DOM library (these run in Chromium), and vitest
 * would rewrite an `import()` inside a function passed to the page.
 */

/** Stores the admin token in the page's sessionStorage (what the prompt does), before its scripts run. */
export async function withToken(page: Page, token = ADMIN_TOKEN): Promise<void> {
  await page.addInitScript({
    content: `sessionStorage.setItem("drover.adminToken", ${JSON.stringify(token)});`,
  });
}

/** `POST /api/deployments` as an admin → the deployment id. */
export async function deploy(base: string, target: string, image: string, tag: string): Promise<string> {
  const response = await fetch(`${base}/api/deployments`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ target, image, tag }),
  });
  if (response.status !== 202)
    throw new Error(`deploy answered ${String(response.status)}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** The demo config's CI secret (config/drover.yml's public demo fallback). */
const DEMO_CI_SECRET = "drover-demo-ci-secret-not-for-production";

/** `POST /hooks/ci` as the README's CI job does → the deployment id. */
export async function ciPush(base: string, image: string, tag: string): Promise<string> {
  const response = await fetch(`${base}/hooks/ci`, {
    method: "POST",
    headers: { authorization: `Bearer ${ciToken({}, DEMO_CI_SECRET)}`, "content-type": "application/json" },
    body: JSON.stringify({ image, tag }),
  });
  if (response.status !== 202)
    throw new Error(`/hooks/ci answered ${String(response.status)}: ${await response.text()}`);
  return ((await response.json()) as { deployments: { id: string }[] }).deployments[0]?.id ?? "";
}

/** Resolves when deployment `id` (or the next one, when `id` is undefined yet) reaches `state`. */
export function reaches(
  app: App,
  state: string,
  id: () => string | undefined = () => undefined,
): Promise<string> {
  return new Promise((resolve) => {
    const off = app.core.engine.onTransition((deployment) => {
      const wanted = id();
      if (deployment.state === state && (wanted === undefined || wanted === deployment.id)) {
        off();
        resolve(deployment.id);
      }
    });
  });
}

/** What the page's sessionStorage holds as the admin token (null when none). */
export function storedToken(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(`sessionStorage.getItem("drover.adminToken")`);
}

/** Waits until the dashboard has locked itself (only the token prompt shown). */
export async function waitLocked(page: Page): Promise<void> {
  await page.waitForFunction(`document.body.classList.contains("locked")`);
}

/** Waits until the history table lists `count` rows. */
export async function waitRows(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    `document.querySelectorAll("table.history tbody tr").length === ${String(count)}`,
  );
}
