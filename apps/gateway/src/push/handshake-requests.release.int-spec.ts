import { expectEventually } from '@livefeed/common/testing';
import { socketServerWorld, type IoServer } from './testing/socket-server.world';

type ServerSocket = Parameters<Parameters<IoServer['on']>[1]>[0];

/** What the server hands out per connection: its sockets, and the upgrades' stand-in responses. */
function watch(server: IoServer) {
  const upgradeResponses: { req?: unknown }[] = [];
  server.engine.use((req: unknown, res: { req?: unknown }, next: () => void) => {
    if (!('statusCode' in res)) upgradeResponses.push(res);
    next();
  });
  const sockets: ServerSocket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  return { sockets, upgradeResponses };
}

describe('the gateway letting go of handshake requests', () => {
  const { world, connect: open } = socketServerWorld(watch);
  const connect = (transports: ('websocket' | 'polling')[]) =>
    open(transports, { auth: { token: 'reader-token' } });

  it('keeps the handshake a socket was admitted with, without the HTTP request behind it', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.extra.sockets;
    expect(socket.handshake.auth).toEqual({ token: 'reader-token' });
    expect(socket.handshake.headers.host).toBe(`127.0.0.1:${world.port}`);
    expect(socket.request).toBeUndefined();
    expect(world.extra.upgradeResponses).toHaveLength(1);
    expect(world.extra.upgradeResponses[0].req).toBeUndefined();
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
});
