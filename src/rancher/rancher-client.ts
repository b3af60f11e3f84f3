import type { Logger } from "pino";
import { RancherApiError, RancherNotFoundError, TransientRancherError } from "./rancher-errors.js";
import { RancherHttp, type RancherHttpOptions } from "./rancher-http.js";
import {
  isRemoved,
  type Collection,
  type Container,
  type RancherResource,
  type Service,
} from "./rancher-types.js";

export interface RancherClientOptions extends Omit<RancherHttpOptions, "logger"> {
  /** Rancher server URL; a trailing `/v1` or `/v2-beta` is accepted and the v2-beta API is used. */
  readonly url: string;
  /** Rancher environment (project) name or id (`1a5`). */
  readonly project: string;
  readonly logger: Logger;
}

/** Where a service lives, as resolved from names. */
export interface ServiceRef {
  readonly projectId: string;
  readonly stackId: string;
  readonly serviceId: string;
}

/** Upper bound on collection pages followed (100 rows each by default). */
const MAX_PAGES = 100;
const PROJECT_ID = /^1a\d+$/;
/** Stack ids as v2-beta (`1st7`) or v1 (`1e7`) spell them. */
const STACK_ID = /^1(?:st|e)\d+$/;
const SERVICE_ID = /^1s\d+$/;

/**
 * Rancher 1.6 API client (v2-beta), the Rancher implementation of the engine's `Backend` interface (`src/backend/`, which checks the conformance so this folder need not import it): resolves names
 * to ids (cached, case-insensitive, `removed_null`, following `pagination.next`), reads services
 * and their instances, and posts actions safely (a failed POST is retried only after a fresh GET
 * shows it was not applied).
 */
export class RancherClient {
  readonly environment: string;
  readonly #http: RancherHttp;
  readonly #base: string;
  readonly #project: string;
  readonly #log: Logger;
  #projectId: string | undefined;
  readonly #refs = new Map<string, ServiceRef>();

  constructor(options: RancherClientOptions) {
    this.environment = options.environment;
    this.#log = options.logger.child({ component: "rancher", environment: options.environment });
    this.#http = new RancherHttp({ ...options, logger: this.#log });
    this.#base = `${options.url.replace(/\/+$/, "").replace(/\/(v1|v2-beta)$/, "")}/v2-beta`;
    this.#project = options.project;
  }

  /** The Authorization header value, for the subscribe websocket. */
  get authorization(): string {
    return this.#http.authorization;
  }

  /** `ws(s)://…/v2-beta/projects/{id}/subscribe?eventNames=resource.change`. */
  subscribeUrl(projectId: string): string {
    return `${this.#base.replace(/^http/, "ws")}/projects/${projectId}/subscribe?eventNames=resource.change`;
  }

  async resolveProjectId(): Promise<string> {
    if (this.#projectId !== undefined) return this.#projectId;
    if (PROJECT_ID.test(this.#project)) {
      const project = await this.#http.get<RancherResource>(
        `${this.#base}/projects/${this.#project}`,
        "resolve",
      );
      this.#projectId = project.id;
      return project.id;
    }
    const projects = await this.#list<RancherResource>(`${this.#base}/projects`, "resolve");
    const wanted = this.#project.toLowerCase();
    const found = projects.find((project) => (project.name ?? "").toLowerCase() === wanted);
    if (found === undefined) {
      throw new RancherNotFoundError(
        `Rancher environment (project) "${this.#project}" not found for environment "${this.environment}"`,
      );
    }
    this.#projectId = found.id;
    return found.id;
  }

  /**
   * Resolves `stack/service` to ids (cached). Each may be a name (case-insensitive) or an id
   * (`1st7`/`1e7`, `1s56`). `fresh` drops the cache entry first — use it after a 404 or when the
   * cached service turned out removed.
   * @throws {RancherNotFoundError} when the stack or service does not exist (or is removed).
   */
  async resolveService(stack: string, service: string, fresh = false): Promise<ServiceRef> {
    const key = `${stack}/${service}`.toLowerCase();
    const cached = this.#refs.get(key);
    if (cached !== undefined && !fresh) return cached;
    const projectId = await this.resolveProjectId();
    const projectBase = `${this.#base}/projects/${projectId}`;
    const stackRow = await this.#find(`${projectBase}/stacks`, stack, STACK_ID, {});
    if (stackRow === undefined)
      throw new RancherNotFoundError(`stack "${stack}" not found in environment "${this.environment}"`);
    const serviceRow = await this.#find(`${projectBase}/services`, service, SERVICE_ID, {
      stackId: stackRow.id,
    });
    if (serviceRow === undefined) {
      throw new RancherNotFoundError(
        `service "${service}" not found in stack "${stack}" of environment "${this.environment}"`,
      );
    }
    const ref = { projectId, stackId: stackRow.id, serviceId: serviceRow.id };
    this.#refs.set(key, ref);
    return ref;
  }

  async getService(ref: Pick<ServiceRef, "projectId" | "serviceId">): Promise<Service> {
    return this.#http.get<Service>(`${this.#base}/projects/${ref.projectId}/services/${ref.serviceId}`);
  }

  /** Every instance of the service (including old stopped ones kept for rollback). */
  async listInstances(ref: Pick<ServiceRef, "projectId" | "serviceId">): Promise<Container[]> {
    return this.#list<Container>(
      `${this.#base}/projects/${ref.projectId}/services/${ref.serviceId}/instances`,
      "instances",
    );
  }

  /** POSTs `?action=upgrade` with the `inServiceStrategy` body (see {@link performAction}). */
  upgrade(
    ref: Pick<ServiceRef, "projectId" | "serviceId">,
    body: Readonly<Record<string, unknown>>,
    isApplied: (service: Service) => boolean,
  ): Promise<Service> {
    return this.performAction(ref, "upgrade", body, isApplied);
  }

  /** POSTs `?action=finishupgrade` (see {@link performAction}). */
  finishUpgrade(
    ref: Pick<ServiceRef, "projectId" | "serviceId">,
    isApplied: (service: Service) => boolean,
  ): Promise<Service> {
    return this.performAction(ref, "finishupgrade", {}, isApplied);
  }

  /** POSTs `?action=rollback` (see {@link performAction}). */
  rollback(
    ref: Pick<ServiceRef, "projectId" | "serviceId">,
    isApplied: (service: Service) => boolean,
  ): Promise<Service> {
    return this.performAction(ref, "rollback", {}, isApplied);
  }

  /** POSTs `?action=cancelupgrade` (see {@link performAction}). */
  cancelUpgrade(
    ref: Pick<ServiceRef, "projectId" | "serviceId">,
    isApplied: (service: Service) => boolean,
  ): Promise<Service> {
    return this.performAction(ref, "cancelupgrade", {}, isApplied);
  }

  /**
   * POSTs `?action=<action>` and returns the service from the 202 reply. On a transient failure
   * (network, timeout, 5xx, 409) the service is read again: if `isApplied(service)` the action
   * took effect and that service is returned; if the action is still offered it is POSTed again;
   * otherwise the state moved and a 422 `ActionNotAvailable` RancherApiError is thrown.
   */
  async performAction(
    ref: Pick<ServiceRef, "projectId" | "serviceId">,
    action: string,
    body: unknown,
    isApplied: (service: Service) => boolean,
  ): Promise<Service> {
    const url = `${this.#base}/projects/${ref.projectId}/services/${ref.serviceId}/?action=${action}`;
    const { attempts } = this.#http.retry;
    for (let attempt = 1; ; attempt += 1) {
      let failure: TransientRancherError | RancherApiError;
      try {
        return await this.#http.send<Service>("POST", url, body, action);
      } catch (error) {
        const conflict = error instanceof RancherApiError && error.httpStatus === 409;
        if (!(error instanceof TransientRancherError) && !conflict) throw error;
        failure = error;
      }
      if (attempt >= attempts) throw failure;
      this.#log.warn(
        { action, attempt, err: { message: failure.message } },
        "rancher action failed, checking state",
      );
      await this.#http.backoff(
        attempt,
        failure instanceof TransientRancherError ? failure.retryAfterMs : undefined,
      );
      const service = await this.getService(ref);
      if (isApplied(service)) return service;
      if (service.actions[action] === undefined) {
        throw new RancherApiError({
          httpStatus: 422,
          rancherCode: "ActionNotAvailable",
          fieldName: "action",
          rancherMessage: `not applied and no longer offered in state ${service.state}`,
          method: "POST",
          url: `…/services/${ref.serviceId}/?action=${action}`,
        });
      }
    }
  }

  /**
   * By name; failing that, by id when `nameOrId` looks like one (and the row is live and matches
   * `filters`). Names win, so a stack that happens to be called `1e2` is never mistaken for another.
   */
  async #find(
    collectionUrl: string,
    nameOrId: string,
    idPattern: RegExp,
    filters: Record<string, string>,
  ): Promise<RancherResource | undefined> {
    const byName = await this.#findByName(collectionUrl, nameOrId, filters);
    if (byName !== undefined || !idPattern.test(nameOrId)) return byName;
    try {
      const row = await this.#http.get<RancherResource & Record<string, unknown>>(
        `${collectionUrl}/${nameOrId}`,
        "resolve",
      );
      const matches = Object.entries(filters).every(([key, value]) => row[key] === value);
      return !isRemoved(row) && matches ? row : undefined;
    } catch (error) {
      if (error instanceof RancherApiError && error.httpStatus === 404) return undefined;
      throw error;
    }
  }

  async #findByName(
    collectionUrl: string,
    name: string,
    filters: Record<string, string>,
  ): Promise<RancherResource | undefined> {
    const wanted = name.toLowerCase();
    const matches = (row: RancherResource): boolean => (row.name ?? "").toLowerCase() === wanted;
    const query = new URLSearchParams({ ...filters, name, removed_null: "1" });
    const byFilter = await this.#list<RancherResource>(`${collectionUrl}?${query.toString()}`, "resolve");
    const found = byFilter.find(matches);
    if (found !== undefined) return found;
    // Case-sensitive databases: the name filter misses other cases, so list everything (docs/rancher-api.md §1.6).
    const all = await this.#list<RancherResource>(
      `${collectionUrl}?${new URLSearchParams({ ...filters, removed_null: "1" }).toString()}`,
      "resolve",
    );
    return all.find(matches);
  }

  async #list<T>(firstUrl: string, kind: string): Promise<T[]> {
    const rows: T[] = [];
    let url: string | null | undefined = firstUrl;
    for (let page = 0; url !== null && url !== undefined && page < MAX_PAGES; page += 1) {
      const collection: Collection<T> = await this.#http.get<Collection<T>>(url, kind);
      rows.push(...collection.data);
      const next = collection.pagination?.partial === false ? null : collection.pagination?.next;
      // Never send the credentials to another origin, whatever the server says.
      url = typeof next === "string" && new URL(next).origin === new URL(this.#base).origin ? next : null;
    }
    return rows;
  }
}
