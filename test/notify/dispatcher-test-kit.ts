import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import type { Deployment } from "../../src/domain/index.js";
import {
  NotificationDispatcher,
  WebhookNotifier,
  type DeployEvent,
  type NotificationOutcome,
  type Notifier,
  type NotifierSetup,
} from "../../src/notify/index.js";
import { captureLogs, type CapturedLogs } from "../helpers/capture-logs.js";
import { startReceiver, type Receiver } from "./notify-test-kit.js";

/** The engine's side of the contract: synchronous listeners called after each transition. */
export class FakeEngine {
  readonly #events = new EventEmitter();
  onTransition(listener: (deployment: Deployment) => void): () => void {
    this.#events.on("transition", listener);
    return () => this.#events.off("transition", listener);
  }
  /** Emits like the engine does and returns how long the listeners took (ms). */
  transition(deployment: Deployment): number {
    const started = performance.now();
    this.#events.emit("transition", deployment);
    return performance.now() - started;
  }
}

export interface DispatcherUnderTest {
  readonly dispatcher: NotificationDispatcher;
  readonly logs: CapturedLogs;
  /** `kind:outcome` per finished delivery, in order. */
  readonly results: string[];
}

/** Receivers and dispatchers made in a test file, closed by `closeAll` (call it in afterEach). */
export interface DispatcherKit {
  readonly dispatchers: NotificationDispatcher[];
  receiver(mode: Receiver["mode"]): Promise<Receiver>;
  dispatcher(
    setup: NotifierSetup,
    extra?: Partial<ConstructorParameters<typeof NotificationDispatcher>[0]>,
  ): DispatcherUnderTest;
  closeAll(): Promise<void>;
}

export function createDispatcherKit(): DispatcherKit {
  const receivers: Receiver[] = [];
  const dispatchers: NotificationDispatcher[] = [];
  return {
    dispatchers,
    receiver: async (mode) => {
      const started = await startReceiver(mode);
      receivers.push(started);
      return started;
    },
    dispatcher: (setup, extra = {}) => {
      const logs = captureLogs("debug");
      const results: string[] = [];
      const created = new NotificationDispatcher({
        setup,
        logger: logs.logger,
        backoffMs: 10,
        onResult: (kind, outcome: NotificationOutcome) => results.push(`${kind}:${outcome}`),
        ...extra,
      });
      dispatchers.push(created);
      return { dispatcher: created, logs, results };
    },
    closeAll: async () => {
      await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.close(200)));
      await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    },
  };
}

export const webhook = (url: string): WebhookNotifier =>
  new WebhookNotifier({ url, secret: "whsec-0123456789-abcdefghij", fetch, now: Date.now });

/** A notifier driven by a function (for exact control over timing and failures). */
export function scripted(
  notify: (event: DeployEvent, signal: AbortSignal) => Promise<void>,
): Notifier & { calls: number } {
  const notifier = {
    kind: "webhook" as const,
    name: "scripted",
    calls: 0,
    accepts: () => true,
    notify: (event: DeployEvent, signal: AbortSignal) => {
      notifier.calls += 1;
      return notify(event, signal);
    },
  };
  return notifier;
}
