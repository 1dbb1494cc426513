import type { AddressInfo } from 'node:net';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { expectEventually } from '@livefeed/common/testing';
import { OriginPolicy } from '../auth/origin.policy';
import { defaultGatewayOptions } from '../config/gateway.options';
import { SocketServerAdapter } from './socket-server.adapter';

type IoServer = ReturnType<SocketServerAdapter['createIOServer']>;
type ServerSocket = Parameters<Parameters<IoServer['on']>[1]>[0];

/** The gateway's socket.io server on a free port, with what it hands out per connection. */
function startServer() {
  const adapter = new SocketServerAdapter(
    undefined as never,
    new OriginPolicy({ LIVEFEED_ALLOWED_ORIGINS: [] } as never),
    defaultGatewayOptions(),
  );
  const server = adapter.createIOServer(0);
  const upgradeResponses: { req?: unknown }[] = [];
  server.engine.use((req: unknown, res: { req?: unknown }, next: () => void) => {
    if (!('statusCode' in res)) upgradeResponses.push(res);
    next();
  });
  const sockets: ServerSocket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  const port = (server.httpServer.address() as AddressInfo).port;
  return { server, port, sockets, upgradeResponses };
}

describe('the gateway letting go of handshake requests', () => {
  let world: ReturnType<typeof startServer>;
  const clients: ClientSocket[] = [];

  beforeEach(() => {
    world = startServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await new Promise((resolve) => world.server.close(resolve));
  });

  function connect(transports: ('websocket' | 'polling')[]): ClientSocket {
    const client = connectClient(`http://127.0.0.1:${world.port}`, {
      transports,
      auth: { token: 'reader-token' },
      reconnection: false,
    });
    clients.push(client);
    return client;
  }

  it('keeps the handshake a socket was admitted with, without the HTTP request behind it', async () => {
    const client = connect(['websocket']);
    await expectEventually(() => expect(client.connected).toBe(true));
    const [socket] = world.sockets;
    expect(socket.handshake.auth).toEqual({ token: 'reader-token' });
    expect(socket.handshake.headers.host).toBe(`127.0.0.1:${world.port}`);
    expect(socket.request).toBeUndefined();
    expect(world.upgradeResponses).toHaveLength(1);
    expect(world.upgradeResponses[0].req).toBeUndefined();
  });

  it('lets go of the requests of a polling session and of its upgrade to a WebSocket', async () => {
    const client = connect(['polling', 'websocket']);
    await expectEventually(() => expect(client.io.engine?.transport.name).toBe('websocket'));
    const [socket] = world.sockets;
    expect(socket.handshake.auth).toEqual({ token: 'reader-token' });
    expect(socket.request).toBeUndefined();
    expect(world.upgradeResponses).toHaveLength(1);
    expect(world.upgradeResponses[0].req).toBeUndefined();
    // Still a working connection: a message goes both ways.
    const echoed = new Promise((resolve) => client.once('echo', resolve));
    socket.emit('echo', 'after the upgrade');
    await expect(echoed).resolves.toBe('after the upgrade');
  });
});
