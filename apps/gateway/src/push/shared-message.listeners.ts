import type { ClientToServerEvents } from '@livefeed/protocol';
import type { PushSocket } from './socket.hub';

/** What a client's message carries once read: both stay `unknown` until the service checks them. */
export type MessageHandler = (socket: PushSocket, body: unknown, ack: unknown) => unknown;

type Listener = (this: PushSocket, ...args: unknown[]) => void;

/**
 * The body and the ack of a socket.io message, read as Nest's IoAdapter reads them (`mapPayload`):
 * the last argument is the ack when it is a function; of the others, one is the body as it is, and
 * several are an array (which the service then refuses as invalid).
 */
export function messagePayload(args: readonly unknown[]): { body: unknown; ack: unknown } {
  const last = args.at(-1);
  if (typeof last !== 'function')
    return { body: args.length > 1 ? [...args] : args[0], ack: undefined };
  const rest = args.slice(0, -1);
  return { body: rest.length > 1 ? rest : rest[0], ack: last };
}

/**
 * One listener per client message for every socket, with the socket as `this` (an emitter calls a
 * listener on itself), where Nest's `@SubscribeMessage` binds a function of its own and wraps it in
 * another for each socket it serves: about 400 B per idle reader, whose memory is the gateway's
 * capacity. What a handler throws, or a promise it returns rejects with, goes to `onError` and
 * never reaches the process (socket.io calls listeners from `process.nextTick`).
 */
export function sharedMessageListeners(
  handlers: { readonly [E in keyof ClientToServerEvents]: MessageHandler },
  onError: (error: unknown, socket: PushSocket, message: string) => void,
): ReadonlyArray<readonly [string, Listener]> {
  return Object.entries(handlers).map(([message, handle]) => {
    const listener: Listener = function (...args) {
      const { body, ack } = messagePayload(args);
      try {
        const result = handle(this, body, ack);
        if (result instanceof Promise)
          result.catch((error: unknown) => onError(error, this, message));
      } catch (error) {
        onError(error, this, message);
      }
    };
    return [message, listener] as const;
  });
}
