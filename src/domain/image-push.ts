/** Names of the webhook sources (and the other ways a deployment can be asked for). */
export type PushSource =
  | "dockerhub"
  | "registry"
  | "ci"
  | "harbor"
  | "quay"
  | "ghcr"
  | "manual"
  | "cli"
  | "rollback"
  | "retry"
  | "recovery";

/**
 * The one domain event every source emits: "this image tag was pushed".
 * `repository` is as the sender names it (normalised later by routing).
 */
export interface ImagePush {
  /** Registry host[:port] when the sender names one (`registry.example.com:5000`); absent for Docker Hub. */
  readonly registryHost?: string;
  /** Repository path without host or tag: `shop/frontend`, `library/nginx`. */
  readonly repository: string;
  readonly tag: string;
  /** Manifest digest `sha256:…` when the sender gives one. */
  readonly digest?: string;
  readonly source: PushSource;
  /** The sender's delivery/event id, for idempotent redelivery. */
  readonly deliveryId?: string;
  /** Who pushed, as the sender says (informational). */
  readonly pusher?: string;
  /** Docker Hub's legacy callback URL (unauthenticated input: only Docker-owned hosts are ever called). */
  readonly callbackUrl?: string;
}
