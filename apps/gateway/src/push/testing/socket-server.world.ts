import type { AddressInfo } from 'node:net';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { OriginPolicy } from '../../auth/origin.policy';
import { defaultGatewayOptions, type GatewayOptions } from '../../config/gateway.options';
import { SocketServerAdapter } from '../socket-server.adapter';

export type IoServer = ReturnType<SocketServerAdapter['createIOServer']>;

/**
 * The gateway's socket.io server (its adapter, no Nest app, `options` over the defaults) on a free
 * port for each test of the file, `extend` adding what the file watches; `connect` opens a client
 * closed after the test.
 */
export function socketServerWorld<W>(
  extend: (server: IoServer) => W,
  options: Partial<GatewayOptions> = {},
) {
  const world = {} as { server: IoServer; port: number; extra: W };
  const clients: ClientSocket[] = [];
  beforeEach(() => {
    const adapter = new SocketServerAdapter(
      undefined as never,
      new OriginPolicy({ LIVEFEED_ALLOWED_ORIGINS: [] } as never),
      defaultGatewayOptions(options),
    );
    world.server = adapter.createIOServer(0);
    world.extra = extend(world.server);
    world.port = (world.server.httpServer.address() as AddressInfo).port;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await new Promise((resolve) => world.server.close(resolve));
  });
  const connect = (
    transports: ('websocket' | 'polling')[],
    options: { auth?: Record<string, unknown>; upgrade?: boolean } = {},
  ): ClientSocket => {
    const client = connectClient(`http://127.0.0.1:${world.port}`, {
      transports,
      reconnection: false,
      ...options,
    });
    clients.push(client);
    return client;
  };
  return { world, connect };
}
