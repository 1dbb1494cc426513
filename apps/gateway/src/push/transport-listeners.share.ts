import { Socket } from 'engine.io';

/** The parts of engine.io's transport (6.x) that a socket listens to. */
interface TransportLike {
  on(event: string, listener: (this: TransportLike, ...args: never[]) => void): unknown;
  removeListener(event: string, listener: (this: TransportLike, ...args: never[]) => void): unknown;
  [OWNER]?: EngineSocketLike;
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
 * engine.io's socket listens to its transport with five functions of its own, bound to it, and a
 * closure that removes them: about 650 B per idle connection. The same five listeners, shared by
 * every transport (an emitter calls a listener with itself as `this`), find the socket through one
 * property of the transport instead.
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
}

function detach(transport: TransportLike): void {
  for (const [event, listener] of Object.entries(LISTENERS))
    transport.removeListener(event, listener);
}
