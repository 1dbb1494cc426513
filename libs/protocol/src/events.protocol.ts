import type { Acknowledge, SubscribeAck, UnsubscribeAck } from './acks.protocol';
import type {
  AudienceMessage,
  EventMessage,
  ReconnectMessage,
  RevokedMessage,
  SnapshotMessage,
  SubscribeRequest,
  UnsubscribeRequest,
} from './messages.protocol';

/**
 * Messages the gateway pushes, by socket.io event name (socket.io's typed-events map, for
 * `Server<ClientToServerEvents, ServerToClientEvents>` and the client's `Socket<ServerToClientEvents,
 * ClientToServerEvents>`).
 */
export interface ServerToClientEvents {
  snapshot: (message: SnapshotMessage) => void;
  event: (event: EventMessage) => void;
  audience: (message: AudienceMessage) => void;
  revoked: (message: RevokedMessage) => void;
  reconnect: (message: ReconnectMessage) => void;
}

/** Messages a client sends, by socket.io event name; each takes an acknowledgement callback. */
export interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: Acknowledge<SubscribeAck>) => void;
  unsubscribe: (request: UnsubscribeRequest, ack: Acknowledge<UnsubscribeAck>) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ClientEventName = keyof ClientToServerEvents;

/** The payload of a server message. */
export type ServerPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

// Objects first, so that the compiler fails when a name is missing from (or extra to) the maps above.
const serverEvents = {
  snapshot: true,
  event: true,
  audience: true,
  revoked: true,
  reconnect: true,
} as const satisfies Record<ServerEventName, true>;
const clientEvents = { subscribe: true, unsubscribe: true } as const satisfies Record<
  ClientEventName,
  true
>;

/** Every server message name. */
export const SERVER_EVENTS = Object.keys(serverEvents) as readonly ServerEventName[];
/** Every client message name. */
export const CLIENT_EVENTS = Object.keys(clientEvents) as readonly ClientEventName[];
