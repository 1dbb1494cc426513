import type { AckErrorCode } from '@livefeed/protocol';

/**
 * Why a subscription failed or degraded.
 * - `not-found`, `forbidden`, `invalid`: the gateway refused the subscription (its ack's code); it stops.
 * - `unavailable`: the gateway could not subscribe now (its database is down); the client asks again later.
 * - `revoked`: the gateway withdrew the story from the connection (the reader's token expired); the
 *   subscription stops for good, keeping the state it holds.
 * - `connect-failed`: the connection was refused for good (e.g. the handshake's token was rejected).
 * - `timeout`: the gateway did not acknowledge a subscribe in time; the client retries.
 * - `diverged`: an event could not be folded into the held state; the client asks for a fresh snapshot.
 * - `handler-failed`: one of your handlers threw; the error is in `cause`.
 * - `closed`: the client was used after `close()`.
 */
export type LivefeedErrorCode =
  | AckErrorCode
  | 'revoked'
  | 'connect-failed'
  | 'timeout'
  | 'diverged'
  | 'handler-failed'
  | 'closed';

/** An error reported through `onError`, with a stable `code` to branch on. */
export class LivefeedError extends Error {
  override readonly name = 'LivefeedError';

  /**
   * @param code stable machine-readable reason; codes a newer gateway invents pass through as they are
   * @param message human-readable detail
   * @param storyId the story concerned, when there is one
   * @param cause the underlying error, when there is one
   */
  constructor(
    readonly code: LivefeedErrorCode | (string & {}),
    message: string,
    readonly storyId?: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
