import { expectEventually } from '@livefeed/common/testing';
import type { StoryEvent } from '@livefeed/domain';
import { history, opened, posted } from '@livefeed/domain/testing/story.fixtures';
import { SocketHub, type PushServer } from './socket.hub';
import { socketServerWorld, type IoServer } from './testing/socket-server.world';

interface CreatedPacket {
  readonly type: string;
  readonly options?: { wsPreEncodedFrame?: unknown };
}

/** A hub on the server, and every packet engine.io makes. */
function hubOn(io: IoServer) {
  const server = io as unknown as PushServer;
  const hub = new SocketHub();
  hub.attach(server);
  const packets: CreatedPacket[] = [];
  server.engine.on('connection', (conn: { on(e: string, f: (p: CreatedPacket) => void): void }) =>
    conn.on('packetCreate', (packet) => packets.push(packet)),
  );
  return { hub, packets };
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
  const { world, connect: open } = socketServerWorld(hubOn);

  async function connect(transports: ('websocket' | 'polling')[]) {
    const client = open(transports, { upgrade: false });
    const received: StoryEvent[] = [];
    client.on('event', (event: StoryEvent) => received.push(event));
    await expectEventually(() => expect(client.connected).toBe(true));
    return { client, received };
  }

  it('sends the same events, whole and in order, to WebSocket and polling readers', async () => {
    const ws = await connect(['websocket']);
    const polling = await connect(['polling']);
    for (const reader of [ws, polling])
      for (const event of EVENTS) world.extra.hub.sendShared(reader.client.id!, 'event', event);
    await expectEventually(() => expect(ws.received).toEqual(EVENTS));
    await expectEventually(() => expect(polling.received).toEqual(EVENTS));
  });

  it('writes a WebSocket reader one frame made once per event, not an encoding per reader', async () => {
    const readers = [await connect(['websocket']), await connect(['websocket'])];
    world.extra.packets.length = 0;
    for (const reader of readers)
      for (const event of EVENTS) world.extra.hub.sendShared(reader.client.id!, 'event', event);
    for (const reader of readers)
      await expectEventually(() => expect(reader.received).toEqual(EVENTS));
    const messages = world.extra.packets.filter((p) => p.type === 'message');
    expect(messages).toHaveLength(EVENTS.length * readers.length);
    for (const packet of messages) expect(packet.options?.wsPreEncodedFrame).toBeDefined();
    // The second reader's packets carry the very frames made for the first.
    const frames = messages.map((p) => p.options!.wsPreEncodedFrame);
    expect(frames.slice(EVENTS.length)).toEqual(frames.slice(0, EVENTS.length));
    for (let i = 0; i < EVENTS.length; i++) expect(frames[EVENTS.length + i]).toBe(frames[i]);
  });
});
