import type { StoryEvent, StoryState } from '@livefeed/domain';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type { LivefeedError } from './livefeed.error';

/**
 * Where a subscription stands:
 * - `connecting`: waiting for the socket to connect;
 * - `catching-up`: subscribed, receiving what was missed until the version the gateway acknowledged;
 * - `live`: holds everything up to the acknowledged version and receives events as they are recorded;
 * - `offline`: the connection dropped; the client reconnects and resumes from the version it holds;
 * - `error`: the gateway refused the subscription or the connection, or withdrew the story (see `onError`).
 */
export type SubscriptionStatus = 'connecting' | 'catching-up' | 'live' | 'offline' | 'error';

/** Callbacks of one subscription; all optional. A handler that throws is reported to `onError`. */
export interface SubscriptionHandlers {
  /**
   * The story's folded state after every change: a snapshot (`event` is null) or one event applied.
   * Also called once, soon after subscribing, with the state already held when the story was subscribed before.
   */
  onState?(state: StoryState, event: StoryEvent | null): void;
  /** Each new event, once, in version order, after it was folded into the state. */
  onEvent?(event: StoryEvent): void;
  /** Every change of status; the first call (soon after subscribing) tells the status at that time. */
  onStatus?(status: SubscriptionStatus): void;
  /** How many readers watch the story, whenever the gateway says so. */
  onAudience?(count: number): void;
  /**
   * Refusals and problems; see {@link LivefeedError} codes. The subscription keeps trying where it can.
   * Code `revoked`: the gateway withdrew the story (the reader's token expired while connected); the
   * subscription stopped for good (status `error`, state kept) and asks nothing more, not even after a
   * reconnection. To follow the story again, `unsubscribe()` and subscribe on a client with a fresh token.
   */
  onError?(error: LivefeedError): void;
}

/** Options of one `subscribe` call. */
export interface SubscribeOptions {
  /**
   * State the page already has (e.g. rendered from `GET /api/stories/:id`): the subscription starts from its
   * version and receives only what came after, instead of a snapshot.
   */
  readonly initialState?: StoryState;
}

/** One story followed by one caller. Properties are live views; they freeze when unsubscribed. */
export interface Subscription {
  /** The story followed. */
  readonly storyId: string;
  /** The folded state, or null until the first snapshot or event. */
  readonly state: StoryState | null;
  /** The last version held (0 when nothing is held yet). */
  readonly version: number;
  /** Where the subscription stands. */
  readonly status: SubscriptionStatus;
  /** The last audience count the gateway sent, or null. */
  readonly audience: number | null;
  /** Stops every handler of this subscription; idempotent. The gateway is told when no one else follows the story. */
  unsubscribe(): void;
}

/** A connection to the livefeed gateway, shared by all the stories followed through it. */
export interface LivefeedClient {
  /**
   * Follows a story. Subscribing to a story already followed through this client shares its state.
   * @throws LivefeedError with code `closed` after `close()`
   */
  subscribe(
    storyId: string,
    handlers?: SubscriptionHandlers,
    options?: SubscribeOptions,
  ): Subscription;
  /** Stops every subscription and disconnects (an injected socket is left connected, only unsubscribed). */
  close(): void;
}

/** Options of {@link createLivefeedClient}. */
export interface LivefeedClientOptions {
  /** The gateway's URL (e.g. `https://live.example.org`); in a browser it defaults to the page's origin. */
  readonly url?: string;
  /**
   * Reader token for private stories, sent in the handshake as `auth: { token }`. A function is called on
   * every (re)connection, so a page can hand out a refreshed token.
   */
  readonly token?: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** A socket.io client socket to use instead of creating one (tests, or sharing a connection). */
  readonly socket?: Socket;
  /**
   * Passed to socket.io's `io()` when the client creates the socket (path, transports, reconnection delays…).
   * Transports default to WebSocket first, long-polling only when WebSockets fail
   * (`transports: ['websocket', 'polling'], tryAllTransports: true`), so no sticky sessions are needed.
   */
  readonly ioOptions?: Partial<ManagerOptions & SocketOptions>;
  /** How long to wait for a subscribe acknowledgement before asking again. Default 10 000 ms. */
  readonly ackTimeoutMs?: number;
}
