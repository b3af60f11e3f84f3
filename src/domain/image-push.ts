/** The ways a deployment is asked for other than a webhook (operator actions, the engine itself). */
export const OPERATOR_SOURCES = ["manual", "cli", "rollback", "retry", "recovery"] as const;
export type OperatorSource = (typeof OPERATOR_SOURCES)[number];

/**
 * Who asked for a deployment: the route name of the webhook source that received the push (the
 * sources registry names them; the domain does not list them) or one of {@link OPERATOR_SOURCES}.
 */
export type PushSource = OperatorSource | (string & Record<never, never>);

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
