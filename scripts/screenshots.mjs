#!/usr/bin/env node
// Takes the README's dashboard screenshots: drover on the demo config (config/drover.yml, the
// in-process simulator, an in-memory store), one succeeded deployment per target, then Chromium
// (playwright-core) on the targets page and on the frontend deployment's page.
// Usage: npm run build && node scripts/screenshots.mjs   (writes docs/images/dashboard-*.png)
import { once } from "node:events";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { chromium } from "playwright-core";
import { createApp } from "../dist/app.js";
import { ConfigHolder, loadConfig } from "../dist/config/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const token = "screenshot-admin-token-0123456789";
const configFile = `${root}config/drover.yml`;
const env = { DEMO_STORAGE_PATH: ":memory:" };
const load = () => loadConfig({ file: configFile, env, readFile: () => readFileSync(configFile, "utf8") });
const logger = pino({ level: "silent" });
const app = createApp({
  configHolder: new ConfigHolder({ initial: load(), load, logger }),
  logger,
  adminToken: token,
});
app.core.targets.start();
await app.start();
const server = createServer(app.http);
server.listen(0, "127.0.0.1");
await once(server, "listening");
const base = `http://127.0.0.1:${server.address().port}`;

async function deploy(service, tag) {
  const response = await fetch(`${base}/api/deployments`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ target: `demo/shop/${service}`, image: `localhost:5000/shop/${service}`, tag }),
  });
  if (response.status !== 202)
    throw new Error(`deploy answered ${response.status}: ${await response.text()}`);
  const { id } = await response.json();
  const [done] = await app.core.engine.waitForTerminal([id], 120_000);
  if (done?.state !== "succeeded") throw new Error(`${id} ended ${done?.state}`);
  return id;
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  await deploy("worker", "2.0.0");
  const frontend = await deploy("frontend", "1.1.0");
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await page.addInitScript({
    content: `sessionStorage.setItem("drover.adminToken", ${JSON.stringify(token)});`,
  });
  const images = `${root}docs/images`;
  mkdirSync(images, { recursive: true });

  await page.goto(`${base}/`);
  await page
    .locator('article[data-target="demo/shop/frontend"] [data-field="last-deployment"] .state-succeeded')
    .waitFor();
  await page
    .locator("#live.live-up")
    .waitFor({ timeout: 5_000 })
    .catch(() => undefined);
  await page.screenshot({ path: `${images}/dashboard-targets.png` });

  await page.goto(`${base}/deployments/${frontend}`);
  await page.locator(".phase-end.state-succeeded").waitFor();
  await page
    .locator("#live.live-up")
    .waitFor({ timeout: 5_000 })
    .catch(() => undefined);
  await page.screenshot({ path: `${images}/dashboard-deployment.png`, fullPage: true });
  process.stdout.write(`wrote ${images}/dashboard-targets.png and dashboard-deployment.png\n`);
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
  await app.close();
}
