import type { StoryEvent, StoryState } from '@livefeed/domain';

/** Payload of `subscribe` (docs/protocol.md, "Live push"). `since` is the last version held; omitted to start fresh. */
export interface SubscribeRequest {
  readonly storyId: string;
  readonly since?: number;
}

/** Payload of `unsubscribe`. */
export interface UnsubscribeRequest {
  readonly storyId: string;
}

/** The whole state of a story at `version`; it replaces whatever the client held. */
export interface SnapshotMessage {
  readonly storyId: string;
  readonly version: number;
  readonly story: StoryState;
}

/** An `event` message is the event envelope itself (docs/protocol.md, "Events out"). */
export type EventMessage = StoryEvent;

/** How many readers watch a story, across every gateway instance. */
export interface AudienceMessage {
  readonly storyId: string;
  readonly count: number;
}

/** Why a gateway withdrew a story from a connection. */
export const REVOKE_REASONS = ['token-expired'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

/**
 * The gateway stopped sending a story to this connection and forgot the subscription: the reader's
 * token expired while connected (its private stories stop at once; public ones go on).
 */
export interface RevokedMessage {
  readonly storyId: string;
  readonly reason: RevokeReason;
}

/**
 * This gateway instance is about to close the connection (it is shutting down): connect again, to
 * another instance behind the load balancer, after `delayMs`, and resume with `since`.
 */
export interface ReconnectMessage {
  /** For people and logs, e.g. "shutting down". */
  readonly reason: string;
  /** How long to wait before connecting again; 0: at once. */
  readonly delayMs: number;
}
