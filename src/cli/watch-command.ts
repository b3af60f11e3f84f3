import {
  isSuccessful,
  isTerminal,
  realTimers,
  targetName,
  type DeploymentState,
  type Timers,
} from "../domain/index.js";
import { UsageError } from "../errors/index.js";
import { API_FLAGS, createAdminClient, DEFAULT_DROVER_URL, unreachableError } from "./admin-client.js";
import type { CliIo } from "./cli-command.js";
import { defineCommand } from "./define-command.js";

const WATCH_DESCRIPTION = `Prints deployments' state changes as they happen, one line per transition, from the server's
event stream (GET /api/events):

  12:00:01  d_01J…  demo/shop/web  verifying     "3/3 healthy"

(time of day in UTC, deployment id, target, new state, detail). With ID it first prints that
deployment's history, then follows it and exits once it is terminal: 0 when it succeeded (or was
skipped: the target already ran the image), 1 otherwise. Without ID it follows every deployment
until SIGINT/SIGTERM (exit 0). A dropped connection is resumed where it stopped (Last-Event-ID).`;

/** Reconnect delay until the server says otherwise (`retry:`). */
const DEFAULT_RETRY_MS = 2_000;
/** No byte (not even a heartbeat, sent every 15 s) for this long: the connection is dead; reconnect. */
const IDLE_LIMIT_MS = 45_000;

interface DeploymentEventData {
  readonly type: "deployment";
  readonly change: "created" | "transition" | "log";
  readonly event: {
    readonly feedId: number;
    readonly deploymentId: string;
    readonly at: string;
    readonly state: DeploymentState;
    readonly kind: string;
    readonly detail: string;
  };
  readonly deployment: {
    readonly id: string;
    readonly state: DeploymentState;
    readonly targetKey: string;
    readonly target: { readonly sidekick?: string };
  };
}

interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: string;
}

/** One transition as `watch` prints it. */
export function watchLine(data: DeploymentEventData): string {
  const time = data.event.at.slice(11, 19);
  return `${time}  ${data.event.deploymentId}  ${targetName(data.deployment)}  ${data.event.state.padEnd(12)}  ${JSON.stringify(data.event.detail)}`;
}

/** `drover deployments watch [ID]`. */
export const deploymentsWatchCommand = defineCommand({
  words: ["deployments", "watch"],
  summary: "follow deployments as they happen (the admin API's event stream)",
  args: "[ID]",
  maxPositionals: 1,
  description: WATCH_DESCRIPTION,
  argumentsHelp: [["ID", "the deployment to follow until it ends (default: every deployment)"]],
  flags: API_FLAGS,
  async run({ values, positionals }, io): Promise<number> {
    const id = positionals[0];
    if (id !== undefined && !/^[\w-]{1,64}$/.test(id)) throw new UsageError("give a deployment ID");
    // Checks the URL the way every admin API command does.
    const client = createAdminClient(io, values);
    const base = (values.url ?? io.env["DROVER_URL"] ?? DEFAULT_DROVER_URL).replace(/\/+$/, "");
    const token = values.token ?? io.env["DROVER_ADMIN_TOKEN"];
    const watcher = new Watcher(io, base, client.url, token, id);
    const signals = io.signals ?? process;
    const onSignal = (): void => watcher.stop();
    signals.on("SIGINT", onSignal);
    signals.on("SIGTERM", onSignal);
    try {
      return await watcher.run();
    } finally {
      signals.off("SIGINT", onSignal);
      signals.off("SIGTERM", onSignal);
    }
  },
});

/** Thrown for an answer that retrying will not change (401, 404, 400…). */
class RefusedError extends Error {}

/** Thrown for an answer that may change (503 while the server is busy or shutting down, 5xx). */
class UnavailableError extends Error {}

class Watcher {
  readonly #io: CliIo;
  readonly #base: string;
  /** The base URL, safe to show. */
  readonly #shown: string;
  readonly #token: string | undefined;
  readonly #id: string | undefined;
  readonly #timers: Timers;
  readonly #stopped = new AbortController();
  /** The last event id received: sent as Last-Event-ID on reconnect. */
  #lastEventId: string | undefined;
  #retryMs = DEFAULT_RETRY_MS;
  /** Set once the watched deployment is terminal. */
  #exitCode: number | undefined;

  constructor(io: CliIo, base: string, shown: string, token: string | undefined, id: string | undefined) {
    this.#io = io;
    this.#base = base;
    this.#shown = shown;
    this.#token = token;
    this.#id = id;
    this.#timers = io.timers ?? realTimers;
    // With an id, the whole history first.
    this.#lastEventId = id === undefined ? undefined : "0";
  }

  stop(): void {
    this.#stopped.abort();
  }

  async run(): Promise<number> {
    // An unknown id is an error now, not a stream that never says anything.
    if (this.#id !== undefined) await this.#deployment();
    let connectedOnce = false;
    /** The outage was reported and no connection succeeded since: one line per outage, not per attempt. */
    let reported = false;
    for (;;) {
      if (this.#stopped.signal.aborted) return 0;
      try {
        await this.#follow(() => {
          connectedOnce = true;
          reported = false;
        });
      } catch (error) {
        if (error instanceof RefusedError) throw error;
        if (this.#exitCode === undefined && !this.#stopped.signal.aborted && !connectedOnce)
          throw error instanceof UnavailableError ? error : this.#unreachable(error);
      }
      if (this.#exitCode !== undefined) return this.#exitCode;
      if (this.#stopped.signal.aborted) return 0;
      if (!reported)
        this.#io.stderr.write(
          `connection to drover lost; reconnecting every ${Math.round(this.#retryMs / 1000)} s\n`,
        );
      reported = true;
      await this.#pause(this.#retryMs);
    }
  }

  /** One connection: reads the stream until it ends, the deployment is terminal or watch stops. */
  async #follow(onConnected: () => void): Promise<void> {
    const connection = new AbortController();
    const abort = (): void => connection.abort();
    this.#stopped.signal.addEventListener("abort", abort, { once: true });
    let idle: unknown;
    const watchIdle = (): void => {
      this.#timers.clearTimeout(idle);
      idle = this.#timers.setTimeout(abort, IDLE_LIMIT_MS);
    };
    try {
      watchIdle();
      const response = await fetch(this.#url(), {
        headers: {
          accept: "text/event-stream",
          ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }),
          ...(this.#lastEventId === undefined ? {} : { "last-event-id": this.#lastEventId }),
        },
        signal: connection.signal,
      });
      const { body } = response;
      if (!response.ok || body === null) throw await this.#refusal(response);
      onConnected();
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      let pending = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        watchIdle();
        const blocks = (pending + value).split("\n\n");
        pending = blocks.pop() ?? "";
        for (const block of blocks) {
          await this.#handle(parseBlock(block));
          if (this.#exitCode !== undefined) return;
        }
      }
    } finally {
      this.#timers.clearTimeout(idle);
      this.#stopped.signal.removeEventListener("abort", abort);
      connection.abort();
    }
  }

  #url(): string {
    const query = new URLSearchParams();
    if (this.#id !== undefined) query.set("deployment", this.#id);
    const text = query.toString();
    return `${this.#base}/api/events${text === "" ? "" : `?${text}`}`;
  }

  #unreachable(error: unknown): Error {
    return unreachableError(this.#shown, error);
  }

  /** The error for an answer that is not the stream (or the deployment). */
  async #refusal(response: Response): Promise<Error> {
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    const answer =
      `drover answered ${response.status}: ${body.error?.code ?? ""} ${body.error?.message ?? ""}`.trim();
    // The server is busy or shutting down: try again later.
    if (response.status >= 500) return new UnavailableError(answer);
    const hint =
      response.status === 401 && this.#token === undefined
        ? " (no admin token given: set DROVER_ADMIN_TOKEN or pass --token)"
        : "";
    return new RefusedError(answer + hint);
  }

  /** The watched deployment as stored now (`GET /api/deployments/ID`). */
  async #deployment(): Promise<{ readonly state: DeploymentState }> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}/api/deployments/${this.#id ?? ""}`, {
        headers: {
          accept: "application/json",
          ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }),
        },
        signal: AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(15_000)]),
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    if (!response.ok) throw await this.#refusal(response);
    return (await response.json()) as { state: DeploymentState };
  }

  async #handle(message: SseMessage): Promise<void> {
    if (message.retry !== undefined && /^\d+$/.test(message.retry)) this.#retryMs = Number(message.retry);
    if (message.id !== undefined) this.#lastEventId = message.id;
    if (message.event === "reset") {
      await this.#reset();
      return;
    }
    if (message.event !== "deployment" || message.data === undefined) return;
    const data = JSON.parse(message.data) as DeploymentEventData;
    if (data.change === "log") return;
    this.#io.stdout.write(`${watchLine(data)}\n`);
    if (this.#id !== undefined && data.event.deploymentId === this.#id && isTerminal(data.event.state))
      this.#exitCode = isSuccessful(data.event.state) ? 0 : 1;
  }

  /** More was missed than the server replays: say so, and with an id, go by the deployment's stored state. */
  async #reset(): Promise<void> {
    this.#io.stderr.write("events were missed (too many to replay); following live from now\n");
    if (this.#id === undefined) return;
    const deployment = await this.#deployment();
    this.#io.stdout.write(`${this.#id} is ${deployment.state}\n`);
    if (isTerminal(deployment.state)) this.#exitCode = isSuccessful(deployment.state) ? 0 : 1;
  }

  /** Waits `ms` on the timers, or until watch stops. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#timers.clearTimeout(handle);
        this.#stopped.signal.removeEventListener("abort", done);
        resolve();
      };
      const handle = this.#timers.setTimeout(done, ms);
      this.#stopped.signal.addEventListener("abort", done, { once: true });
    });
  }
}

function parseBlock(block: string): SseMessage {
  const message: Record<string, string> = {};
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    message[field] =
      field === "data" && message["data"] !== undefined ? `${message["data"]}\n${value}` : value;
  }
  return message;
}
