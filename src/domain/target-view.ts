/** One container of a target's launch config, as Rancher shows it now. */
export interface RancherContainerView {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  /** `null`: the launch config has no health check. */
  readonly healthState: string | null;
  /** `name:tag` the container was created from (without Rancher's `docker:` prefix). */
  readonly image: string;
  /** The launch config version the container belongs to (`null` when Rancher shows none). */
  readonly version: string | null;
  readonly startCount: number;
}

/** What Rancher runs for a target, read from Rancher (never guessed from drover's store). */
export interface KnownRancherView {
  readonly status: "known";
  /** `name:tag` of the target's launch config (the primary's, or the sidekick's). */
  readonly image: string;
  readonly serviceState: string;
  readonly healthState: string | null;
  /** Running containers of the launch config's current version that are healthy (or have no health check). */
  readonly healthy: number;
  /** The service's scale. */
  readonly total: number;
  readonly containers: readonly RancherContainerView[];
  /** When drover read it (ISO-8601). */
  readonly observedAt: string;
}

/**
 * What Rancher runs for a target: `known`; `unknown` (not read yet); `unreachable` (Rancher could
 * not be asked, with why and the last known view); `missing` (Rancher answers but has no such
 * service or sidekick).
 */
export type RancherView =
  | KnownRancherView
  | { readonly status: "unknown"; readonly observedAt?: string }
  | {
      readonly status: "unreachable";
      /** Why, for people (never a credential). */
      readonly reason: string;
      readonly observedAt: string;
      readonly last?: KnownRancherView;
    }
  | { readonly status: "missing"; readonly observedAt: string };

export type RancherViewStatus = RancherView["status"];

/**
 * True when two views differ in what a reader cares about: status, image, service state and
 * health, healthy/total, which containers there are and their state and health. `observedAt`, an
 * unreachable view's `reason` (it varies with each failed attempt) and `last` are not changes.
 */
export function rancherViewChanged(before: RancherView, after: RancherView): boolean {
  return fingerprint(before) !== fingerprint(after);
}

function fingerprint(view: RancherView): string {
  switch (view.status) {
    case "known":
      return JSON.stringify([
        view.status,
        view.image,
        view.serviceState,
        view.healthState,
        view.healthy,
        view.total,
        view.containers.map((c) => [c.id, c.state, c.healthState]),
      ]);
    case "unreachable":
    case "unknown":
    case "missing":
      return view.status;
  }
}
