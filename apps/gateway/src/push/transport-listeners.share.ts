import { Socket } from 'engine.io';

/** The parts of engine.io's transport (6.x) that a socket listens to. */
interface TransportLike {
  on(event: string, listener: (this: TransportLike, ...args: never[]) => void): unknown;
  removeListener(event: string, listener: (this: TransportLike, ...args: never[]) => void): unknown;
  [OWNER]?: EngineSocketLike;
  readonly name: string;
  /** A WebSocket transport's `ws` WebSocket. */
  readonly socket?: WebSocketLike;
  onData(data: unknown): void;
  onClose(): void;
  onError(error: unknown): void;
}

/** The parts of a `ws` WebSocket that its engine.io transport listens to. */
interface WebSocketLike {
  on(event: string, listener: (this: WebSocketLike, ...args: never[]) => void): unknown;
  removeListener(event: string, listener: (this: WebSocketLike, ...args: never[]) => void): unknown;
  removeAllListeners(event: string): unknown;
  [SERVED]?: TransportLike;
}

/** The parts of engine.io's socket (6.x) that `setTransport` reads and writes (private in its types). */
interface EngineSocketLike {
  transport: TransportLike;
  cleanupFn: (() => void)[];
  setTransport(transport: TransportLike): void;
  onError(error: unknown): void;
  flush(): void;
  onPacket(packet: unknown): void;
  onDrain(): void;
  onClose(reason: string): void;
}

/** The engine.io socket a transport serves, set on the transport by `setSharedTransport`. */
const OWNER = Symbol('livefeed.transportOwner');
/** The transport a `ws` WebSocket serves, set on the WebSocket by `shareWebSocketListeners`. */
const SERVED = Symbol('livefeed.servedTransport');

/**
 * What engine.io's socket does with each event of its transport; `error` and `close` are heard once,
 * as engine.io's own `once` listeners are.
 */
const LISTENERS: Record<string, (this: TransportLike, ...args: never[]) => void> = {
  error(this: TransportLike, error: unknown) {
    this.removeListener('error', LISTENERS.error);
    this[OWNER]?.onError(error);
  },
  ready(this: TransportLike) {
    this[OWNER]?.flush();
  },
  packet(this: TransportLike, packet: unknown) {
    this[OWNER]?.onPacket(packet);
  },
  drain(this: TransportLike) {
    this[OWNER]?.onDrain();
  },
  close(this: TransportLike) {
    this.removeListener('close', LISTENERS.close);
    this[OWNER]?.onClose('transport close');
  },
};

/**
 * What engine.io's WebSocket transport does with each event of its `ws` WebSocket (its constructor's
 * own listeners: an arrow, a bound `onClose` heard once, a bound `onError`).
 */
const WEBSOCKET_LISTENERS: Record<string, (this: WebSocketLike, ...args: never[]) => void> = {
  message(this: WebSocketLike, data: Buffer, isBinary: boolean) {
    this[SERVED]?.onData(isBinary ? data : data.toString());
  },
  close(this: WebSocketLike) {
    this.removeListener('close', WEBSOCKET_LISTENERS.close);
    this[SERVED]?.onClose();
  },
  error(this: WebSocketLike, error: unknown) {
    this[SERVED]?.onError(error);
  },
};

/**
 * engine.io's socket listens to its transport with five functions of its own, bound to it, and a
 * closure that removes them: about 650 B per idle connection. The same five listeners, shared by
 * every transport (an emitter calls a listener with itself as `this`), find the socket through one
 * property of the transport instead. A WebSocket transport listens to its `ws` WebSocket with three
 * more (about 250 B with the `once` wrapper): shared too, they find the transport through one
 * property of the WebSocket. Those replace every listener the WebSocket has when its transport is
 * set, which engine.io's error logger of an upgrade still in progress was (the transport's `error`
 * listener takes over, as when engine.io upgrades a polling session).
 *
 * `setTransport` is replaced on engine.io's socket class (the one socket.io uses: package.json pins
 * the version it resolves to, since this reaches past engine.io's public API), so every socket gets
 * the shared listeners as it is made, and again on an upgrade from polling to WebSocket. Once per
 * process; the socket's cleanup on a transport change removes them, as it removed engine.io's own.
 */
export function shareTransportListeners(): void {
  (Socket.prototype as unknown as EngineSocketLike).setTransport = setSharedTransport;
}

function setSharedTransport(this: EngineSocketLike, transport: TransportLike): void {
  this.transport = transport;
  transport[OWNER] = this;
  for (const [event, listener] of Object.entries(LISTENERS)) transport.on(event, listener);
  this.cleanupFn.push(detach.bind(undefined, transport));
  if (transport.name === 'websocket' && transport.socket)
    shareWebSocketListeners(transport.socket, transport);
}

/** Set once, when the transport is first set: a WebSocket serves one transport for its life. */
function shareWebSocketListeners(ws: WebSocketLike, transport: TransportLike): void {
  if (ws[SERVED]) return;
  ws[SERVED] = transport;
  for (const [event, listener] of Object.entries(WEBSOCKET_LISTENERS)) {
    ws.removeAllListeners(event);
    ws.on(event, listener);
  }
}

function detach(transport: TransportLike): void {
  for (const [event, listener] of Object.entries(LISTENERS))
    transport.removeListener(event, listener);
}
