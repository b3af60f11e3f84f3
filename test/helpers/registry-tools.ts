/**
 * Helpers for the real-registry end-to-end test: a real Distribution registry (Debian's
 * `docker-registry`), images built with `umoci` and pushed with `skopeo`, and a loopback proxy
 * between the registry's notification endpoint and drover that records (and can disturb) each
 * delivery. Nothing here installs anything: `.ci/run` installs the Debian packages.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";

/** The Debian packages (and commands of the same name) the real-registry test needs. */
export const REGISTRY_TOOLS = ["docker-registry", "skopeo", "umoci"] as const;

/** The tools of {@link REGISTRY_TOOLS} not found on `PATH`. */
export function missingRegistryTools(): string[] {
  return REGISTRY_TOOLS.filter(
    (tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0,
  );
}

/**
 * Fails (never skips) when a tool is missing, saying how to get it.
 * @throws {Error} naming the missing tools.
 */
export function requireRegistryTools(): void {
  const missing = missingRegistryTools();
  if (missing.length === 0) return;
  throw new Error(
    `the real-registry e2e test needs ${missing.join(", ")} on PATH: run .ci/run, or install the Debian ` +
      `packages with: apt-get update && apt-get install -y --no-install-recommends ${REGISTRY_TOOLS.join(" ")}`,
  );
}

/** A TCP port that was free on 127.0.0.1 a moment ago (for programs that cannot listen on port 0). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port assigned");
  return address.port;
}

/** The port a listening node server got. */
export function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server is not listening on TCP");
  return address.port;
}

/** Polls `probe` every 25 ms until it returns a value; fails with `what` (and `context()`) on timeout. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  context: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const extra = context();
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${extra === "" ? "" : `\n${extra}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Runs a command to completion (no shell) and returns its stdout.
 * @throws {Error} with the command line, exit status and stderr when it fails or times out.
 */
export async function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (code !== 0) {
    const how = signal === null ? `exit ${code}` : `signal ${signal} (timeout ${timeoutMs} ms?)`;
    throw new Error(`${command} ${args.join(" ")} failed (${how}):\n${stderr.trim() || stdout.trim()}`);
  }
  return stdout;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills children still running when the test process exits (a crashed test must not leave a registry). */
function track(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const running of children) running.kill("SIGKILL");
  });
}

/** Settings of the notification endpoint written into the registry's `config.yml`. */
export interface RegistryEndpoint {
  readonly name: string;
  readonly url: string;
  /** `Authorization: Bearer <bearer>` (Distribution's `headers` values are lists). */
  readonly bearer: string;
  /** Per-attempt HTTP timeout, consecutive failures before backing off, and the backoff. */
  readonly timeout: string;
  readonly threshold: number;
  readonly backoff: string;
}

/** The `config.yml` of a Distribution 2.x registry with filesystem storage and one notification endpoint. */
export function registryConfigYaml(options: {
  readonly port: number;
  readonly storageDir: string;
  readonly endpoint: RegistryEndpoint;
}): string {
  const { endpoint } = options;
  return [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  accesslog: { disabled: true }",
    "storage:",
    `  filesystem: { rootdirectory: ${JSON.stringify(options.storageDir)} }`,
    "http:",
    `  addr: 127.0.0.1:${options.port}`,
    '  secret: "drover-e2e-not-a-secret"',
    "notifications:",
    "  endpoints:",
    `    - name: ${endpoint.name}`,
    `      url: ${endpoint.url}`,
    "      headers:",
    `        Authorization: [ "Bearer ${endpoint.bearer}" ]`,
    `      timeout: ${endpoint.timeout}`,
    `      threshold: ${endpoint.threshold}`,
    `      backoff: ${endpoint.backoff}`,
    "",
  ].join("\n");
}

/** A running `docker-registry serve`. */
export interface RunningRegistry {
  readonly port: number;
  /** `127.0.0.1:<port>`: what pushers use, and what the registry reports as `request.host`. */
  readonly host: string;
  readonly configText: string;
  /** The registry's log so far (its stderr and stdout, last 64 KiB). */
  logs(): string;
  /** SIGTERM, then SIGKILL after 3 s. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry serve <dir>/config.yml` on `port` with storage under `dir`, and waits
 * until `GET /v2/` answers 200.
 * @throws {Error} with the registry's log when it exits or does not answer within `timeoutMs`.
 */
export async function startRegistry(options: {
  readonly dir: string;
  readonly port: number;
  readonly endpoint: RegistryEndpoint;
  readonly timeoutMs?: number;
}): Promise<RunningRegistry> {
  const storageDir = join(options.dir, "storage");
  mkdirSync(storageDir, { recursive: true });
  const configText = registryConfigYaml({ port: options.port, storageDir, endpoint: options.endpoint });
  const configFile = join(options.dir, "config.yml");
  writeFileSync(configFile, configText);
  const child = spawn("docker-registry", ["serve", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: options.dir },
  });
  track(child);
  let log = "";
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let exited: string | undefined;
  const exit = once(child, "exit").then(([code, signal]) => {
    exited = `exit code ${String(code)}, signal ${String(signal)}`;
  });
  const host = `127.0.0.1:${options.port}`;
  let stopped = false;
  const registry: RunningRegistry = {
    port: options.port,
    host,
    configText,
    logs: () => log,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (exited !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exit;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(
      async () => {
        if (exited !== undefined) throw new Error(`docker-registry exited during start-up (${exited})`);
        try {
          const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1_000) });
          return res.status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      options.timeoutMs ?? 15_000,
      `docker-registry to answer GET http://${host}/v2/`,
    );
  } catch (error) {
    await registry.stop();
    throw new Error(`${(error as Error).message}\nregistry log:\n${log}`);
  }
  return registry;
}

/**
 * Builds a one-layer OCI image `<layout>:<tag>` with umoci: an empty image, unpacked rootless,
 * one file `/release.txt` holding `content` added, repacked. A different `content` gives a
 * different layer, config and manifest digest.
 */
export async function buildOciImage(layout: string, tag: string, content: string): Promise<void> {
  if (!existsLayout(layout)) await run("umoci", ["init", "--layout", layout]);
  const image = `${layout}:${tag}`;
  await run("umoci", ["new", "--image", image]);
  const bundle = `${layout}-bundle-${tag}`;
  await run("umoci", ["unpack", "--rootless", "--image", image, bundle]);
  writeFileSync(join(bundle, "rootfs", "release.txt"), `${content}\n`);
  await run("umoci", ["repack", "--image", image, bundle]);
  rmSync(bundle, { recursive: true, force: true });
}

function existsLayout(layout: string): boolean {
  try {
    readFileSync(join(layout, "oci-layout"));
    return true;
  } catch {
    return false;
  }
}

/**
 * Pushes `<layout>:<tag>` to `docker://<destination>` with skopeo (plain HTTP, no signature policy
 * needed) and returns the manifest digest skopeo wrote (`--digestfile`).
 */
export async function pushImage(layout: string, tag: string, destination: string): Promise<string> {
  const digestFile = `${layout}-${tag}.digest`;
  await run(
    "skopeo",
    [
      "--insecure-policy",
      "copy",
      "--dest-tls-verify=false",
      "--digestfile",
      digestFile,
      `oci:${layout}:${tag}`,
      `docker://${destination}`,
    ],
    60_000,
  );
  return readFileSync(digestFile, "utf8").trim();
}

/** One registry event as the proxy saw it (the fields the test looks at). */
export interface SeenEvent {
  readonly id: string;
  readonly action: string;
  readonly mediaType: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  readonly repository: string;
  readonly requestHost: string | undefined;
}

/** One notification delivery that reached the proxy. */
export interface Delivery {
  /** Milliseconds since the proxy started. */
  readonly atMs: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly events: readonly SeenEvent[];
  /** drover's answer, when the delivery was forwarded. */
  readonly drover?: { readonly status: number; readonly body: unknown };
  /** What the registry was answered. */
  readonly answered: number;
}

/** What the proxy does with a delivery: pass it on, pass it on but tell the registry it failed, or drop it. */
export type ProxyAction = "forward" | "forward-then-fail" | "fail";

export interface NotificationProxy {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Decides each delivery's fate (default: forward). */
  policy: (events: readonly SeenEvent[], deliveries: readonly Delivery[]) => ProxyAction;
  /** The deliveries so far, one line each, for failure messages. */
  describe(): string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of drover's `/hooks/registry`: it forwards the registry's POST
 * verbatim (headers and body), records the events and drover's answer, and answers the registry
 * with drover's status — or with 500 when the policy says so, which makes the registry retry.
 */
export async function startNotificationProxy(targetBaseUrl: string): Promise<NotificationProxy> {
  const started = Date.now();
  const deliveries: Delivery[] = [];
  const proxy: NotificationProxy = {
    url: "",
    deliveries,
    policy: () => "forward",
    describe: () =>
      deliveries
        .map(
          (d) =>
            `+${d.atMs}ms ${d.events.map((e) => `${e.action} ${e.mediaType} tag=${e.tag ?? "-"} id=${e.id}`).join(", ")}` +
            ` → drover ${d.drover?.status ?? "-"}, registry answered ${d.answered}`,
        )
        .join("\n"),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const events = readEvents(body);
    const action = proxy.policy(events, deliveries);
    let drover: Delivery["drover"];
    if (action !== "fail") {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || ["host", "content-length", "connection"].includes(name)) continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const answer = await fetch(`${targetBaseUrl}${req.url ?? "/"}`, {
        method: req.method ?? "POST",
        headers,
        body,
      });
      const text = await answer.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      drover = { status: answer.status, body: parsed };
    }
    const answered = action === "forward" && drover !== undefined ? drover.status : 500;
    deliveries.push({
      atMs: Date.now() - started,
      headers: req.headers,
      events,
      answered,
      ...(drover === undefined ? {} : { drover }),
    });
    res.writeHead(answered, { "content-type": "application/json" });
    res.end(JSON.stringify(drover?.body ?? { error: "injected failure" }));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(502).end(String(error));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return Object.assign(proxy, { url: `http://127.0.0.1:${portOf(server)}` });
}

function readEvents(body: Buffer): SeenEvent[] {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body.toString("utf8"));
  } catch {
    return [];
  }
  const list = (envelope as { events?: unknown }).events;
  if (!Array.isArray(list)) return [];
  return list.map((raw: unknown) => {
    const event = raw as {
      id?: string;
      action?: string;
      target?: { mediaType?: string; tag?: string; digest?: string; repository?: string };
      request?: { host?: string };
    };
    return {
      id: event.id ?? "",
      action: event.action ?? "",
      mediaType: event.target?.mediaType ?? "",
      tag: event.target?.tag,
      digest: event.target?.digest,
      repository: event.target?.repository ?? "",
      requestHost: event.request?.host,
    };
  });
}
