import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { authenticate, BASIC_CHALLENGE, resolveProject } from "./authenticate.js";
import type { UrlContext } from "./render-resources.js";
import { renderContainer } from "./render-containers.js";
import { renderProject, renderService, renderStack } from "./render-resources.js";
import type { SimTimer } from "./sim-clock.js";
import type { SimEngine } from "./sim-engine.js";
import type { ApiVersion } from "./sim-ids.js";
import { formatId } from "./sim-ids.js";
import type { StateChange } from "./sim-state.js";
import { SimApiError } from "./sim-errors.js";

const SUBSCRIBE_PATH = /^\/(v1|v2-beta)(?:\/projects\/([^/]+))?\/subscribe\/?$/;

interface Subscriber {
  readonly socket: WebSocket;
  readonly projectId: number | undefined;
  readonly ctx: UrlContext;
  readonly changes: boolean;
  pings: number;
  timer: SimTimer | undefined;
}

/** Serialized EventVO: every field present, nulls included (docs/rancher-api.md §6). */
function frame(name: string, time: number, extra: Record<string, unknown>): string {
  return JSON.stringify({
    id: randomUUID(),
    name,
    resourceType: null,
    resourceId: null,
    data: null,
    time,
    previousIds: null,
    previousNames: null,
    publisher: null,
    replyTo: null,
    transitioning: null,
    transitioningMessage: null,
    transitioningInternalMessage: null,
    transitioningProgress: null,
    timeoutMillis: null,
    listenerKey: null,
    context: null,
    ...extra,
  });
}

/**
 * The `subscribe` websocket (docs/rancher-api.md §6): Basic auth on the upgrade request, a `ping`
 * frame at once and every `pingIntervalMs` (simulated), closing after `maxPings`; a
 * `resource.change` frame with the full API object (current `actions` included) for every change
 * of a service, container, stack or project in the subscriber's project.
 */
export class SubscribeHub {
  readonly #engine: SimEngine;
  readonly #maxPings: number;
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #subscribers = new Set<Subscriber>();
  readonly #unsubscribe: () => void;

  constructor(engine: SimEngine, maxPings = 8640) {
    this.#engine = engine;
    this.#maxPings = maxPings;
    this.#unsubscribe = engine.state.onChange((change) => this.#publish(change));
  }

  /** Number of open subscriptions. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Handles an HTTP upgrade request; answers 404/401/403 on the raw socket when it cannot. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "localhost"}`);
    const match = SUBSCRIBE_PATH.exec(url.pathname);
    if (match === null) {
      this.#refuse(socket, 404, "Not Found");
      return;
    }
    let projectId: number | undefined;
    try {
      const key = authenticate(this.#engine.state, request.headers.authorization);
      const header = request.headers["x-api-project-id"];
      projectId = resolveProject(
        this.#engine.state,
        key,
        match[2] ??
          (typeof header === "string" ? header : undefined) ??
          url.searchParams.get("projectId") ??
          undefined,
      );
    } catch (error) {
      const status = error instanceof SimApiError ? error.status : 500;
      this.#refuse(socket, status, status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : "Error");
      return;
    }
    const names = url.searchParams.getAll("eventNames");
    const ctx: UrlContext = {
      base: url.origin,
      version: match[1] as ApiVersion,
      projectScoped: match[2] !== undefined,
    };
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      const subscriber: Subscriber = {
        socket: ws,
        projectId,
        ctx,
        changes: names.length === 0 || names.includes("resource.change"),
        pings: 0,
        timer: undefined,
      };
      this.#subscribers.add(subscriber);
      ws.on("close", () => this.#drop(subscriber));
      ws.on("error", () => this.#drop(subscriber));
      this.#ping(subscriber);
    });
  }

  /**
   * Closes every subscription (clients must reconnect and re-sync); with `logout` a
   * `{"name":"logout"}` frame goes first, as on key revocation. Returns how many there were.
   */
  disconnectAll(logout = false): number {
    const count = this.#subscribers.size;
    for (const subscriber of [...this.#subscribers]) {
      if (logout) subscriber.socket.send(frame("logout", this.#engine.clock.now(), {}));
      subscriber.socket.close(1001, "server closing subscription");
      this.#drop(subscriber);
    }
    return count;
  }

  close(): void {
    this.#unsubscribe();
    for (const subscriber of [...this.#subscribers]) {
      subscriber.socket.terminate();
      this.#drop(subscriber);
    }
    this.#server.close();
  }

  #refuse(socket: Duplex, status: number, text: string): void {
    const challenge = status === 401 ? `WWW-Authenticate: ${BASIC_CHALLENGE}\r\n` : "";
    socket.end(
      `HTTP/1.1 ${String(status)} ${text}\r\n${challenge}Connection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  }

  #drop(subscriber: Subscriber): void {
    this.#engine.clock.clearTimer(subscriber.timer);
    this.#subscribers.delete(subscriber);
  }

  #ping(subscriber: Subscriber): void {
    if (!this.#subscribers.has(subscriber)) return;
    if (subscriber.pings >= this.#maxPings) {
      subscriber.socket.close(1000, "max pings");
      this.#drop(subscriber);
      return;
    }
    subscriber.pings += 1;
    subscriber.socket.send(frame("ping", this.#engine.clock.now(), { data: { options: {}, resources: [] } }));
    subscriber.timer = this.#engine.clock.setTimer(this.#engine.timing.pingIntervalMs, () =>
      this.#ping(subscriber),
    );
  }

  #publish(change: StateChange): void {
    if (this.#subscribers.size === 0) return;
    const { state } = this.#engine;
    for (const subscriber of this.#subscribers) {
      if (!subscriber.changes || subscriber.projectId !== change.projectId) continue;
      const { ctx } = subscriber;
      let resource: Record<string, unknown> | undefined;
      let type: string;
      let id: string;
      if (change.kind === "service") {
        const service = state.services.get(change.id);
        resource = service === undefined ? undefined : renderService(ctx, state, service);
        type = service?.kind ?? "service";
        id = formatId("service", change.id);
      } else if (change.kind === "container") {
        const container = state.containers.get(change.id);
        resource = container === undefined ? undefined : renderContainer(ctx, state, container);
        type = "container";
        id = formatId("container", change.id);
      } else if (change.kind === "stack") {
        const stack = state.stacks.get(change.id);
        resource = stack === undefined ? undefined : renderStack(ctx, state, stack);
        type = ctx.version === "v1" ? "environment" : "stack";
        id = formatId("stack", change.id, ctx.version);
      } else {
        const project = state.projects.get(change.id);
        resource =
          project === undefined ? undefined : renderProject({ ...ctx, projectScoped: false }, project);
        type = "project";
        id = formatId("project", change.id);
      }
      if (resource === undefined || subscriber.socket.readyState !== subscriber.socket.OPEN) continue;
      subscriber.socket.send(
        frame("resource.change", this.#engine.clock.now(), {
          resourceType: type,
          resourceId: id,
          data: { resource },
        }),
      );
    }
  }
}
