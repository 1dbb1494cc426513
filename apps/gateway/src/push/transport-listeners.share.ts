import type { IoAdapter } from '@nestjs/platform-socket.io';

type IoServer = ReturnType<IoAdapter['createIOServer']>;

/** The parts of engine.io's transport (6.x) that a socket listens to. */
interface TransportLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  [OWNER]?: EngineSocketLike;
}

/** The parts of engine.io's socket (6.x) that `setTransport` reads and writes. */
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
const PATCHED = Symbol('livefeed.sharedTransportListeners');

/**
 * engine.io's socket listens to its transport with five functions of its own, bound to it, and a
 * closure that removes them: about 650 B per idle connection, a twentieth of what a gateway holds
 * per reader. The same five listeners, shared by every transport (an emitter calls a listener with
 * itself as `this`), find the socket through one property of the transport instead.
 *
 * engine.io's `setTransport` (6.x) is replaced on its socket class, found from the first socket that
 * opens; that socket's own listeners, attached before, are swapped as it opens. Every later socket,
 * and every upgrade from polling to WebSocket (which calls `setTransport` again), gets the shared
 * ones. They do what engine.io's do: `error` and `close` are heard once, `ready` flushes, `packet`
 * and `drain` go to the socket, and the socket's cleanup on a transport change removes all five.
 */
export function shareTransportListeners(engine: IoServer['engine']): void {
  engine.on('connection', (socket: EngineSocketLike) => {
    const proto = Object.getPrototypeOf(socket) as EngineSocketLike & { [PATCHED]?: true };
    if (!proto[PATCHED]) {
      proto[PATCHED] = true;
      proto.setTransport = setSharedTransport;
    }
    if (socket.transport[OWNER] === socket) return;
    // Opened before the class was patched: its bound listeners go, the shared ones come.
    for (const cleanup of socket.cleanupFn.splice(0)) cleanup();
    setSharedTransport.call(socket, socket.transport);
  });
}

function setSharedTransport(this: EngineSocketLike, transport: TransportLike): void {
  this.transport = transport;
  transport[OWNER] = this;
  transport.on('error', onTransportError);
  transport.on('ready', onTransportReady);
  transport.on('packet', onTransportPacket);
  transport.on('drain', onTransportDrain);
  transport.on('close', onTransportClose);
  this.cleanupFn.push(detach.bind(undefined, transport));
}

function detach(transport: TransportLike): void {
  transport.removeListener('error', onTransportError);
  transport.removeListener('ready', onTransportReady);
  transport.removeListener('packet', onTransportPacket);
  transport.removeListener('drain', onTransportDrain);
  transport.removeListener('close', onTransportClose);
}

function onTransportError(this: TransportLike, error: unknown): void {
  this.removeListener('error', onTransportError);
  this[OWNER]?.onError(error);
}

function onTransportReady(this: TransportLike): void {
  this[OWNER]?.flush();
}

function onTransportPacket(this: TransportLike, packet: unknown): void {
  this[OWNER]?.onPacket(packet);
}

function onTransportDrain(this: TransportLike): void {
  this[OWNER]?.onDrain();
}

function onTransportClose(this: TransportLike): void {
  this.removeListener('close', onTransportClose);
  this[OWNER]?.onClose('transport close');
}
