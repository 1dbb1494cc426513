import { expectEventually } from '@livefeed/common/testing';
import { socketServerWorld, type IoServer } from './testing/socket-server.world';

type ServerSocket = Parameters<Parameters<IoServer['on']>[1]>[0];

/** An engine.io transport, as an emitter whose listeners the test counts. */
interface Emitter {
  readonly name: string;
  listeners(event: string): unknown[];
  emit(event: string, ...args: unknown[]): boolean;
}

const EVENTS = ['error', 'ready', 'packet', 'drain', 'close'] as const;

const transportOf = (socket: ServerSocket) => socket.conn.transport as unknown as Emitter;
/** The `ws` WebSocket under a WebSocket transport. */
const webSocketOf = (socket: ServerSocket) =>
  (
    socket.conn.transport as unknown as {
      socket: Emitter & { rawListeners(e: string): { name: string }[] };
    }
  ).socket;
const WEBSOCKET_EVENTS = ['message', 'close', 'error'] as const;

/** Each of the five events' listeners on a transport. */
const listenersOf = (transport: Emitter) => EVENTS.map((event) => transport.listeners(event));

describe('engine.io sockets sharing their transport listeners', () => {
  const { world, connect: open } = socketServerWorld((server: IoServer) => {
    const sockets: ServerSocket[] = [];
    server.on('connection', (socket) => sockets.push(socket));
    return { sockets };
  });
  const connect = (transports: ('websocket' | 'polling')[]) =>
    open(transports, { auth: { token: 'reader-token' } });

  it('gives every socket the same five listeners, none of them bound to it', async () => {
    const first = connect(['websocket']);
    await expectEventually(() => expect(first.connected).toBe(true));
    const second = connect(['websocket']);
    await expectEventually(() => expect(second.connected).toBe(true));
    const [a, b] = world.extra.sockets.map((socket) => listenersOf(transportOf(socket)));
    for (const listeners of [a, b]) expect(listeners.map((l) => l.length)).toEqual([1, 1, 1, 1, 1]);
    expect(new Set([...a.flat(), ...b.flat()]).size).toBe(5);
  });

  it('still carries packets both ways', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const heard = new Promise((resolve) => socket.once('echo', resolve));
    client.emit('echo', 'from the reader');
    await expect(heard).resolves.toBe('from the reader');
    const echoed = new Promise((resolve) => client.once('echo', resolve));
    socket.emit('echo', 'from the gateway');
    await expect(echoed).resolves.toBe('from the gateway');
  });

  it('moves them from the polling transport to the WebSocket on an upgrade', async () => {
    const client = connect(['polling', 'websocket']);
    await expectEventually(() => expect(client.io.engine?.transport.name).toBe('websocket'));
    const [socket] = world.extra.sockets;
    await expectEventually(() => expect(transportOf(socket).name).toBe('websocket'));
    expect(listenersOf(transportOf(socket)).map((l) => l.length)).toEqual([1, 1, 1, 1, 1]);
    const echoed = new Promise((resolve) => client.once('echo', resolve));
    socket.emit('echo', 'after the upgrade');
    await expect(echoed).resolves.toBe('after the upgrade');
  });

  it('closes the socket for a closed transport, and takes the listeners off it', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const transport = transportOf(socket);
    const shared = listenersOf(transport).flat();
    const reason = new Promise((resolve) => socket.once('disconnect', resolve));
    client.io.engine.close();
    await expect(reason).resolves.toBe('transport close');
    // engine.io then silences the discarded transport's errors with a listener of its own.
    expect(
      listenersOf(transport)
        .flat()
        .filter((l) => shared.includes(l)),
    ).toEqual([]);
  });

  it('closes the socket for a transport error, heard once', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const transport = transportOf(socket);
    const [onError] = transport.listeners('error');
    const reason = new Promise((resolve) => socket.once('disconnect', resolve));
    transport.emit('error', new Error('a broken pipe'));
    await expect(reason).resolves.toBe('transport error');
    expect(transport.listeners('error')).not.toContain(onError);
  });

  it('gives every WebSocket the same three listeners, and none of the upgrade’s', async () => {
    const first = connect(['websocket']);
    await expectEventually(() => expect(first.connected).toBe(true));
    const second = connect(['polling', 'websocket']);
    await expectEventually(() => expect(second.io.engine?.transport.name).toBe('websocket'));
    const [a, b] = world.extra.sockets;
    await expectEventually(() => expect(transportOf(b).name).toBe('websocket'));
    const listeners = [a, b].map((socket) =>
      WEBSOCKET_EVENTS.map((event) => webSocketOf(socket).rawListeners(event)),
    );
    for (const each of listeners) expect(each.map((l) => l.length)).toEqual([1, 1, 1]);
    expect(new Set(listeners.flat(2)).size).toBe(3);
    expect(listeners.flat(2).map((l) => l.name)).not.toContain('onUpgradeError');
  });

  it('closes the socket for an error of its WebSocket', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const reason = new Promise((resolve) => socket.once('disconnect', resolve));
    webSocketOf(socket).emit('error', new Error('a broken frame'));
    await expect(reason).resolves.toBe('transport error');
  });

  it('closes the socket when its WebSocket closes, and hears that close once', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const ws = webSocketOf(socket);
    const reason = new Promise((resolve) => socket.once('disconnect', resolve));
    client.io.engine.close();
    await expect(reason).resolves.toBe('transport close');
    expect(ws.listeners('close')).toHaveLength(0);
  });
});
