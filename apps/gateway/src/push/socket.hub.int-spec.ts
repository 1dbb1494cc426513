import type { AddressInfo } from 'node:net';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { expectEventually } from '@livefeed/common/testing';
import type { StoryEvent } from '@livefeed/domain';
import { history, opened, posted } from '@livefeed/domain/testing/story.fixtures';
import { OriginPolicy } from '../auth/origin.policy';
import { defaultGatewayOptions } from '../config/gateway.options';
import { SocketServerAdapter } from './socket-server.adapter';
import { SocketHub, type PushServer } from './socket.hub';

interface CreatedPacket {
  readonly type: string;
  readonly options?: { wsPreEncodedFrame?: unknown };
}

/** The gateway's socket.io server on a free port, a hub on it, and every packet engine.io makes. */
function startServer() {
  const adapter = new SocketServerAdapter(
    undefined as never,
    new OriginPolicy({ LIVEFEED_ALLOWED_ORIGINS: [] } as never),
    defaultGatewayOptions(),
  );
  const server = adapter.createIOServer(0) as unknown as PushServer;
  const hub = new SocketHub();
  hub.attach(server);
  const packets: CreatedPacket[] = [];
  server.engine.on('connection', (conn: { on(e: string, f: (p: CreatedPacket) => void): void }) =>
    conn.on('packetCreate', (packet) => packets.push(packet)),
  );
  const port = (server.httpServer.address() as AddressInfo).port;
  return { server, hub, port, packets };
}

/** Bodies whose frames take each of the WebSocket's three length forms, with multi-byte text. */
const BODIES = [
  '<p>Київ — 🚒</p>',
  `<p>${'Ünïcödé '.repeat(40)}</p>`,
  `<p>${'long 🚑 '.repeat(12_000)}</p>`,
];
const EVENTS: readonly StoryEvent[] = history([
  opened(),
  ...BODIES.map((body, i) => posted(`e${i}`, { body })),
]);

describe('SocketHub.sendShared', () => {
  let world: ReturnType<typeof startServer>;
  const clients: ClientSocket[] = [];

  beforeEach(() => {
    world = startServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await new Promise((resolve) => world.server.close(resolve));
  });

  async function connect(transports: ('websocket' | 'polling')[]) {
    const client = connectClient(`http://127.0.0.1:${world.port}`, {
      transports,
      upgrade: false,
      reconnection: false,
    });
    clients.push(client);
    const received: StoryEvent[] = [];
    client.on('event', (event: StoryEvent) => received.push(event));
    await expectEventually(() => expect(client.connected).toBe(true));
    return { client, received };
  }

  it('sends the same events, whole and in order, to WebSocket and polling readers', async () => {
    const ws = await connect(['websocket']);
    const polling = await connect(['polling']);
    for (const reader of [ws, polling])
      for (const event of EVENTS) world.hub.sendShared(reader.client.id!, 'event', event);
    await expectEventually(() => expect(ws.received).toEqual(EVENTS));
    await expectEventually(() => expect(polling.received).toEqual(EVENTS));
  });

  it('writes a WebSocket reader one frame made once per event, not an encoding per reader', async () => {
    const readers = [await connect(['websocket']), await connect(['websocket'])];
    world.packets.length = 0;
    for (const reader of readers)
      for (const event of EVENTS) world.hub.sendShared(reader.client.id!, 'event', event);
    for (const reader of readers)
      await expectEventually(() => expect(reader.received).toEqual(EVENTS));
    const messages = world.packets.filter((p) => p.type === 'message');
    expect(messages).toHaveLength(EVENTS.length * readers.length);
    for (const packet of messages) expect(packet.options?.wsPreEncodedFrame).toBeDefined();
    // The second reader's packets carry the very frames made for the first.
    const frames = messages.map((p) => p.options!.wsPreEncodedFrame);
    expect(frames.slice(EVENTS.length)).toEqual(frames.slice(0, EVENTS.length));
    for (let i = 0; i < EVENTS.length; i++) expect(frames[EVENTS.length + i]).toBe(frames[i]);
  });
});
