/**
 * The socket.io wire protocol between the gateway and its clients (docs/protocol.md, "Live push", and the
 * gateway's messages beyond it): plain types and constants only, so that the gateway and the
 * browser SDK share one declaration without either pulling in the other's dependencies.
 */
export * from './acks.protocol';
export * from './events.protocol';
export * from './messages.protocol';
