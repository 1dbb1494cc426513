/**
 * Codes of a refused acknowledgement:
 * - `not-found`: the story does not exist;
 * - `forbidden`: the story is private and the handshake's token does not grant it;
 * - `invalid`: the request is malformed, over the per-connection limit, or was superseded by a later
 *   subscribe/unsubscribe of the same story on the same connection;
 * - `unavailable`: a transient failure on the gateway's side (its database is down): retry later.
 */
export const ACK_ERROR_CODES = ['not-found', 'forbidden', 'invalid', 'unavailable'] as const;
export type AckErrorCode = (typeof ACK_ERROR_CODES)[number];

/** A refused acknowledgement, of `subscribe` or `unsubscribe`. */
export interface AckRefusal {
  readonly ok: false;
  readonly error: { readonly code: AckErrorCode; readonly message: string };
}

/** Acknowledgement of `subscribe`: the story's latest version at subscribe time, or why it was refused. */
export type SubscribeAck =
  { readonly ok: true; readonly storyId: string; readonly version: number } | AckRefusal;

/** Acknowledgement of `unsubscribe`. */
export type UnsubscribeAck = { readonly ok: true; readonly storyId: string } | AckRefusal;

/** The acknowledgement callback socket.io hands the receiver of a message. */
export type Acknowledge<A> = (ack: A) => void;

/** A refused acknowledgement. */
export function refusal(code: AckErrorCode, message: string): AckRefusal {
  return { ok: false, error: { code, message } };
}
