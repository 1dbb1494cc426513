import { expectEventually } from '@livefeed/common/testing';
import { socketServerWorld, type IoServer } from './testing/socket-server.world';

type ServerSocket = Parameters<Parameters<IoServer['on']>[1]>[0];
interface TcpOwner {
  transport: { socket: { _socket: { once(event: 'close', listener: () => void): void } } };
}
interface TransportOwner {
  transport: { name: string; listenerCount(event: string): number };
}
interface UpgradeResponse {
  req?: unknown;
  on(event: 'close', listener: () => void): void;
}

/** What the server hands out per connection: its sockets, and the upgrades' stand-in responses. */
function watch(server: IoServer) {
  const upgradeResponses: { req?: unknown }[] = [];
  const closedResponses: unknown[] = [];
  server.engine.use((req: unknown, res: UpgradeResponse, next: () => void) => {
    if (!('statusCode' in res)) {
      upgradeResponses.push(res);
      res.on('close', () => closedResponses.push(res));
    }
    next();
  });
  const sockets: ServerSocket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  return { sockets, upgradeResponses, closedResponses };
}

describe('the gateway letting go of handshake requests', () => {
  const { world, connect: open } = socketServerWorld(watch);
  const connect = (transports: ('websocket' | 'polling')[]) =>
    open(transports, { auth: { token: 'reader-token' } });

  it('keeps the handshake’s auth, without the HTTP request, headers or query behind it', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    expect(socket.handshake.auth).toEqual({ token: 'reader-token' });
    expect(socket.handshake.address).toMatch(/127\.0\.0\.1/);
    expect([socket.handshake.headers, socket.handshake.query]).toEqual([{}, {}]);
    expect(socket.request).toBeUndefined();
    expect(world.extra.upgradeResponses).toHaveLength(1);
    expect(world.extra.upgradeResponses[0].req).toBeUndefined();
  });

  it('takes a socket out of the room of its own id, and still reaches it by broadcast', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    await expectEventually(() => expect(socket.rooms.has(socket.id)).toBe(false));
    expect(world.server.sockets.adapter.rooms.has(socket.id)).toBe(false);
    const heard = new Promise((resolve) => client.once('echo', resolve));
    world.server.emit('echo', 'to every socket');
    await expect(heard).resolves.toBe('to every socket');
  });

  it('lets go of the requests of a polling session and of its upgrade to a WebSocket', async () => {
    const client = connect(['polling', 'websocket']);
    await expectEventually(() => expect(client.io.engine?.transport.name).toBe('websocket'));
    const [socket] = world.extra.sockets;
    expect(socket.handshake.auth).toEqual({ token: 'reader-token' });
    expect(socket.request).toBeUndefined();
    expect(world.extra.upgradeResponses).toHaveLength(1);
    expect(world.extra.upgradeResponses[0].req).toBeUndefined();
    // Still a working connection: a message goes both ways.
    const echoed = new Promise((resolve) => client.once('echo', resolve));
    socket.emit('echo', 'after the upgrade');
    await expect(echoed).resolves.toBe('after the upgrade');
  });

  it('lets go of the upgrade’s response too: it no longer hears the TCP socket close', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const conn = socket.conn as unknown as TcpOwner;
    // Heard after engine.io's own listener, which was added first and would tell the response.
    const closed = new Promise<void>((resolve) =>
      conn.transport.socket._socket.once('close', resolve),
    );
    client.disconnect();
    await closed;
    expect(world.extra.upgradeResponses).toHaveLength(1);
    expect(world.extra.closedResponses).toEqual([]);
  });

  it('drops the headers listener of a WebSocket transport, which only polling requests emit', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const { transport } = socket.conn as unknown as TransportOwner;
    expect(transport.listenerCount('headers')).toBe(0);
  });

  it('leaves a polling transport its headers listener: each of its requests is answered with them', async () => {
    const client = connect(['polling']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    const { transport } = socket.conn as unknown as TransportOwner;
    expect(transport.name).toBe('polling');
    expect(transport.listenerCount('headers')).toBe(1);
  });
});
