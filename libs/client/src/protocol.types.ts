import type { StoryEvent, StoryState } from '@livefeed/domain';

/** Payload of the `subscribe` message (docs/protocol.md, "Live push"). `since` is the last version held; omitted to start fresh. */
export interface SubscribeRequest {
  readonly storyId: string;
  readonly since?: number;
}

/** Error codes a gateway puts in a refused acknowledgement. */
export type AckErrorCode = 'not-found' | 'forbidden' | 'invalid';

/** Acknowledgement of `subscribe`: the story's latest version at subscribe time, or why it was refused. */
export type SubscribeAck =
  | { readonly ok: true; readonly storyId: string; readonly version: number }
  | {
      readonly ok: false;
      readonly error: { readonly code: AckErrorCode | (string & {}); readonly message: string };
    };

/** Payload of the `unsubscribe` message. */
export interface UnsubscribeRequest {
  readonly storyId: string;
}

/** The whole state of a story at `version`; replaces whatever the client held. */
export interface SnapshotMessage {
  readonly storyId: string;
  readonly version: number;
  readonly story: StoryState;
}

/** How many readers are watching a story. */
export interface AudienceMessage {
  readonly storyId: string;
  readonly count: number;
}

/** Messages the gateway pushes, by socket.io event name. */
export interface ServerToClientEvents {
  snapshot: (message: SnapshotMessage) => void;
  event: (event: StoryEvent) => void;
  audience: (message: AudienceMessage) => void;
}

/** Messages the client sends, by socket.io event name. */
export interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (ack: SubscribeAck) => void) => void;
  unsubscribe: (request: UnsubscribeRequest, ack: (ack: unknown) => void) => void;
}
