import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { MAX_TARGET_TEXT_LENGTH, parseTargetText, type Timers } from "../domain/index.js";
import { EventFilterInvalidError, EventStreamUnavailableError } from "../errors/index.js";
import type { LiveEvent, LiveEvents, LiveFilter } from "../operations/index.js";
import { createAdminAuth, type AdminAuthOptions } from "./admin-auth.js";
import { presentDeployment } from "./present-deployment.js";

/** Bounds of `GET /api/events`. */
export interface EventStreamLimits {
  /** Streams open at once; one more is answered 503. */
  readonly maxStreams: number;
  /** Events written to a client and not yet flushed to its socket; one more drops it. */
  readonly maxBufferedEvents: number;
  /** Bytes written to a client and not yet flushed to its socket; more drops it. */
  readonly maxBufferedBytes: number;
  /** Time between `: heartbeat` comments. */
  readonly heartbeatMs: number;
}

export const DEFAULT_EVENT_STREAM_LIMITS: EventStreamLimits = {
  maxStreams: 100,
  maxBufferedEvents: 256,
  maxBufferedBytes: 1024 * 1024,
  heartbeatMs: 15_000,
};

/** What a client is told to wait before reconnecting (the stream's first line, `retry:`). */
export const EVENT_STREAM_RETRY_MS = 2_000;

export interface EventRoutesDeps extends AdminAuthOptions {
  readonly events: Pick<LiveEvents, "subscribe" | "replay">;
  /** The heartbeat runs on these (tests pass a manual clock). */
  readonly timers: Timers;
  /** Aborts when the server shuts down: every stream ends, new ones are refused (503). */
  readonly shutdown?: AbortSignal | undefined;
  readonly limits?: Partial<EventStreamLimits> | undefined;
  /** A client was dropped because it fell behind (for `/metrics`). */
  readonly onDrop?: (() => void) | undefined;
}

export interface EventRoutes {
  readonly router: Router;
  /** Streams open now (for `/metrics`). */
  openStreams(): number;
}

const DEPLOYMENT_ID = /^d_[0-9A-HJKMNP-TV-Z]{26}$/;
const FEED_ID = /^\d{1,15}$/;

const eventsQuery = z.strictObject({
  target: z
    .string()
    .max(MAX_TARGET_TEXT_LENGTH)
    .refine((text) => {
      const parsed = parseTargetText(text);
      return parsed.ok && parsed.value.sidekick === undefined;
    }, "target must be environment/stack/service")
    .optional(),
  deployment: z.string().regex(DEPLOYMENT_ID, "deployment must be a deployment id (d_…)").optional(),
  since: z.string().regex(FEED_ID, "since must be an event id (a non-negative integer)").optional(),
});

interface EventsRequest {
  readonly filter: LiveFilter;
  /** Replay stored events after this feed id first; undefined → live only. */
  readonly after: number | undefined;
}

/** The filters of a request, or 400 naming the first problem (never quoting a value). */
function parseEventsRequest(req: Request): EventsRequest {
  const result = eventsQuery.safeParse(req.query ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const message =
      issue?.code === "unrecognized_keys"
        ? `unknown filter(s) ${issue.keys.map((key) => key.slice(0, 40)).join(", ")}; use target, deployment or since`
        : `${issue?.path.map(String).join(".") ?? "query"}: ${issue?.message ?? "invalid"}`;
    throw new EventFilterInvalidError(message.slice(0, 300));
  }
  const header = req.headers["last-event-id"];
  const lastEventId = typeof header === "string" ? header.trim() : undefined;
  if (lastEventId !== undefined && lastEventId !== "" && !FEED_ID.test(lastEventId))
    throw new EventFilterInvalidError("Last-Event-ID must be an event id (a non-negative integer)");
  const since = lastEventId !== undefined && lastEventId !== "" ? lastEventId : result.data.since;
  const { target, deployment } = result.data;
  return {
    filter: {
      ...(target === undefined ? {} : { targetKey: target.toLowerCase() }),
      ...(deployment === undefined ? {} : { deploymentId: deployment }),
    },
    after: since === undefined ? undefined : Number(since),
  };
}

/** One SSE message for a live event. */
export function renderEvent(event: LiveEvent): string {
  switch (event.type) {
    case "deployment": {
      const { feedId, deploymentId, seq, at, state, kind, detail, data } = event.event;
      const body = {
        type: "deployment",
        change: event.change,
        event: {
          feedId,
          deploymentId,
          seq,
          at,
          state,
          kind,
          detail,
          ...(data === undefined ? {} : { data }),
        },
        deployment: presentDeployment(event.deployment),
      };
      return `id: ${feedId}\nevent: deployment\ndata: ${JSON.stringify(body)}\n\n`;
    }
    case "target":
      return `event: target\ndata: ${JSON.stringify({ type: "target", target: event.target })}\n\n`;
    case "config": {
      const body = { type: "config", reloads: event.reloads, hash: event.hash, at: event.at };
      return `event: config\ndata: ${JSON.stringify(body)}\n\n`;
    }
    case "reset":
      return `event: reset\ndata: ${JSON.stringify({ type: "reset" })}\n\n`;
  }
}

interface Stream {
  end(): void;
}

/**
 * `GET /api/events`: Server-Sent Events of the live event hub, behind the admin API's auth (reads).
 * `Last-Event-ID` (or `?since=`) replays the stored events after it first. Every client has a
 * bounded write buffer: one that falls behind is dropped, so the engine never waits on a client.
 * Only renders: filtering, replay and the sources are the hub's (`operations/live-events.ts`).
 */
export function createEventRoutes(deps: EventRoutesDeps): EventRoutes {
  const limits: EventStreamLimits = { ...DEFAULT_EVENT_STREAM_LIMITS, ...deps.limits };
  const { timers } = deps;
  const streams = new Set<Stream>();
  const router = Router();

  deps.shutdown?.addEventListener(
    "abort",
    () => {
      for (const stream of [...streams]) stream.end();
    },
    { once: true },
  );

  router.get("/api/events", createAdminAuth(deps), (req: Request, res: Response) => {
    const { filter, after } = parseEventsRequest(req);
    if (deps.shutdown?.aborted === true)
      throw new EventStreamUnavailableError("drover is shutting down", EVENT_STREAM_RETRY_MS / 1000);
    if (streams.size >= limits.maxStreams)
      throw new EventStreamUnavailableError(
        `${limits.maxStreams} event streams are open, the most allowed; try again later`,
        5,
      );
    // Replay is read before anything is written, so a store that cannot be read answers 503.
    const replay = after === undefined ? undefined : deps.events.replay(after, filter);

    let closed = false;
    let pendingEvents = 0;
    let lastFeedId = after ?? 0;
    let heartbeat: unknown;
    /** Bytes of the replay not yet flushed: written at once, they do not count against the bound. */
    let replayBytes = 0;
    const close = (how: "end" | "drop" | "gone"): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      timers.clearTimeout(heartbeat);
      streams.delete(stream);
      if (how === "end") res.end();
      else if (how === "drop") res.destroy();
    };
    const send = (chunk: string): void => {
      if (closed) return;
      const buffered = res.writableLength - replayBytes;
      if (
        pendingEvents >= limits.maxBufferedEvents ||
        (buffered > 0 && buffered + Buffer.byteLength(chunk) > limits.maxBufferedBytes)
      ) {
        req.log.warn(
          { bufferedEvents: pendingEvents, bufferedBytes: buffered },
          "event stream client too slow, dropped",
        );
        close("drop");
        deps.onDrop?.();
        return;
      }
      pendingEvents += 1;
      res.write(chunk, () => {
        pendingEvents -= 1;
      });
    };
    const onEvent = (event: LiveEvent): void => {
      if (event.type === "deployment") {
        // Already sent by the replay.
        if (event.event.feedId <= lastFeedId) return;
        lastFeedId = event.event.feedId;
      }
      send(renderEvent(event));
    };
    /** The stream's start and the replay, in one write outside the bounds (it is at most MAX_REPLAY events). */
    const start = (): void => {
      let chunk = `retry: ${EVENT_STREAM_RETRY_MS}\n\n`;
      if (replay?.reset === true) chunk += renderEvent({ type: "reset" });
      for (const event of replay?.reset === false ? replay.events : []) {
        lastFeedId = event.event.feedId;
        chunk += renderEvent(event);
      }
      replayBytes = Buffer.byteLength(chunk);
      res.write(chunk, () => {
        replayBytes = 0;
      });
    };
    const beat = (): void => {
      send(": heartbeat\n\n");
      if (!closed) heartbeat = timers.setTimeout(beat, limits.heartbeatMs);
    };
    const stream: Stream = { end: () => close("end") };
    const unsubscribe = deps.events.subscribe(filter, onEvent);
    streams.add(stream);
    res.on("close", () => close("gone"));

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    start();
    heartbeat = timers.setTimeout(beat, limits.heartbeatMs);
  });

  return { router, openStreams: () => streams.size };
}
