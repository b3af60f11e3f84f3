import { WebSocket } from "ws";
import type { Logger } from "pino";
import type { RancherResource } from "./rancher-types.js";

/** A `resource.change` event: the full API object of a service or container. */
export interface ResourceChange {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly resource: RancherResource & Record<string, unknown>;
}

export type ResourceListener = (change: ResourceChange | "resync") => void;

export interface ResourceEventsOptions {
  readonly url: string;
  readonly authorization: string;
  readonly logger: Logger;
  /** Reconnect backoff bounds. */
  readonly minReconnectMs?: number;
  readonly maxReconnectMs?: number;
  /** Runs the reconnect backoff. Default: Node's timers (which never keep the process alive). */
  readonly timers?: ReconnectTimers;
}

/** The timer functions the reconnect backoff needs (tests pass a manual clock's). */
export interface ReconnectTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realReconnectTimers: ReconnectTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * One `subscribe` websocket per Rancher project (docs/rancher-api.md §6), shared by every waiter: the
 * Rancher implementation of the engine's `ChangeFeed` (`src/backend/`).
 * Listeners get each `resource.change` and a `"resync"` after every (re)connect, so they poll
 * once to catch what happened while the socket was down. Reconnects with backoff until closed.
 */
export class ResourceEvents {
  readonly #options: ResourceEventsOptions;
  readonly #listeners = new Set<ResourceListener>();
  readonly #log: Logger;
  #socket: WebSocket | undefined;
  #connected = false;
  #closed = false;
  #failures = 0;
  #timer: unknown;
  readonly #timers: ReconnectTimers;

  constructor(options: ResourceEventsOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realReconnectTimers;
    this.#log = options.logger.child({ component: "rancher-events" });
  }

  /** True while the websocket is open (waiters then poll rarely). */
  get connected(): boolean {
    return this.#connected;
  }

  /** Adds a listener (connecting on first use); returns the function that removes it. */
  subscribe(listener: ResourceListener): () => void {
    this.#listeners.add(listener);
    if (this.#socket === undefined && this.#timer === undefined && !this.#closed) this.#connect();
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socket?.terminate();
    this.#socket = undefined;
    this.#connected = false;
  }

  #connect(): void {
    const socket = new WebSocket(this.#options.url, {
      headers: { authorization: this.#options.authorization },
      handshakeTimeout: 10_000,
      maxPayload: 16 * 1024 * 1024,
    });
    this.#socket = socket;
    socket.on("open", () => {
      this.#connected = true;
      this.#failures = 0;
      this.#log.debug("subscribed to resource changes");
      this.#emit("resync");
    });
    socket.on("message", (data: Buffer) => this.#onMessage(data));
    socket.on("error", (error: Error) => {
      this.#log.debug({ err: { message: error.message } }, "subscribe socket error");
    });
    socket.on("close", () => {
      this.#connected = false;
      this.#socket = undefined;
      if (this.#closed) return;
      this.#failures += 1;
      const min = this.#options.minReconnectMs ?? 500;
      const max = this.#options.maxReconnectMs ?? 15_000;
      const delay = Math.min(max, min * 2 ** Math.min(this.#failures - 1, 10));
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        if (!this.#closed && this.#listeners.size > 0) this.#connect();
      }, delay);
      this.#emit("resync");
    });
  }

  #onMessage(data: Buffer): void {
    let event: {
      name?: unknown;
      resourceType?: unknown;
      resourceId?: unknown;
      data?: { resource?: unknown };
    };
    try {
      event = JSON.parse(data.toString("utf8")) as typeof event;
    } catch {
      return;
    }
    if (event.name === "logout") {
      this.#socket?.close();
      return;
    }
    if (event.name !== "resource.change" || typeof event.resourceId !== "string") return;
    const resource = event.data?.resource;
    if (resource === null || typeof resource !== "object") return;
    this.#emit({
      resourceType: typeof event.resourceType === "string" ? event.resourceType : "",
      resourceId: event.resourceId,
      resource: resource as ResourceChange["resource"],
    });
  }

  #emit(change: ResourceChange | "resync"): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#log.error({ err: error }, "resource listener failed");
      }
    }
  }
}
