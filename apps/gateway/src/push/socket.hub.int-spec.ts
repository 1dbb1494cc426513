import type { Socket } from 'node:net';
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

describe('SocketHub.sendShared, event by event', () => {
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
      for (const event of EVENTS) world.extra.hub.sendShared(reader.client.id!, 'event', [event]);
    await expectEventually(() => expect(ws.received).toEqual(EVENTS));
    await expectEventually(() => expect(polling.received).toEqual(EVENTS));
  });

  it('writes a WebSocket reader one frame made once per event, not an encoding per reader', async () => {
    const readers = [await connect(['websocket']), await connect(['websocket'])];
    world.extra.packets.length = 0;
    for (const reader of readers)
      for (const event of EVENTS) world.extra.hub.sendShared(reader.client.id!, 'event', [event]);
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

/** Counts the writes (system calls' worth: `_write` and `_writev`) made on each server TCP socket. */
function countWrites(io: IoServer) {
  const writes = new Map<string, number>();
  /** The chunks of each socket's last write. */
  const chunks = new Map<string, unknown[]>();
  const sockets = new Map<string, Socket>();
  io.httpServer.on('connection', (tcp: Socket) => {
    // The client's port: the one part of the address both ends spell alike (IPv4 or mapped IPv6).
    const key = String(tcp.remotePort);
    sockets.set(key, tcp);
    writes.set(key, 0);
    const counted = tcp as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
    for (const method of ['_write', '_writev'] as const) {
      const original = counted[method].bind(tcp);
      counted[method] = (...args: unknown[]) => {
        writes.set(key, (writes.get(key) ?? 0) + 1);
        const data = args[0];
        chunks.set(
          key,
          Array.isArray(data) ? data.map((c: { chunk: unknown }) => c.chunk) : [data],
        );
        original(...args);
      };
    }
  });
  return { writes, chunks, sockets };
}

describe('SocketHub.sendShared of a catch-up, and together', () => {
  const { world, connect: open } = socketServerWorld((io) => ({
    ...hubOn(io),
    tcp: countWrites(io),
  }));

  async function connect(transports: ('websocket' | 'polling')[]) {
    const client = open(transports, { upgrade: false });
    const received: string[] = [];
    client.on('event', (event: StoryEvent) => received.push(`event ${event.version}`));
    client.on('snapshot', (s: { version: number }) => received.push(`snapshot ${s.version}`));
    await expectEventually(() => expect(client.connected).toBe(true));
    const engine = client.io.engine as unknown as { transport: { ws?: { _socket?: Socket } } };
    const local = engine.transport.ws?._socket;
    const key = local ? String(local.localPort) : undefined;
    return { client, received, key };
  }
  const versions = (prefix = 'event') => EVENTS.map((e) => `${prefix} ${e.version}`);

  it('sends a catch-up whole and in order to WebSocket and polling readers', async () => {
    const ws = await connect(['websocket']);
    const polling = await connect(['polling']);
    for (const reader of [ws, polling])
      world.extra.hub.sendShared(reader.client.id!, 'event', EVENTS);
    await expectEventually(() => expect(ws.received).toEqual(versions()));
    await expectEventually(() => expect(polling.received).toEqual(versions()));
  });

  it('writes a message and the catch-up after it to a WebSocket in one write', async () => {
    const ws = await connect(['websocket']);
    await expectEventually(() => expect(world.extra.tcp.writes.get(ws.key!)).toBeGreaterThan(0));
    const before = world.extra.tcp.writes.get(ws.key!)!;
    const id = ws.client.id!;
    world.extra.hub.together(id, () => {
      world.extra.hub.send(id, 'snapshot', { storyId: 's', version: 0, story: {} });
      world.extra.hub.sendShared(id, 'event', EVENTS);
    });
    await expectEventually(() => expect(ws.received).toEqual(['snapshot 0', ...versions()]));
    expect(world.extra.tcp.writes.get(ws.key!)! - before).toBe(1);
  });

  it('joins the frames of the same catch-up once for every reader that owes it', async () => {
    const readers = [await connect(['websocket']), await connect(['websocket'])];
    const other = await connect(['websocket']);
    for (const reader of readers) world.extra.hub.sendShared(reader.client.id!, 'event', EVENTS);
    world.extra.hub.sendShared(other.client.id!, 'event', EVENTS.slice(1));
    for (const reader of readers)
      await expectEventually(() => expect(reader.received).toEqual(versions()));
    await expectEventually(() => expect(other.received).toEqual(versions().slice(1)));
    const [a, b] = readers.map((r) => world.extra.tcp.chunks.get(r.key!)!);
    expect(a).toHaveLength(1);
    expect(b[0]).toBe(a[0]);
    expect(world.extra.tcp.chunks.get(other.key!)![0]).not.toBe(a[0]);
  });

  it('queues a catch-up behind the packets engine.io still holds, in order', async () => {
    const ws = await connect(['websocket']);
    const id = ws.client.id!;
    // The first goes to the WebSocket at once; the second waits in engine.io until it is written.
    world.extra.hub.send(id, 'snapshot', { storyId: 's', version: 1, story: {} });
    world.extra.hub.send(id, 'snapshot', { storyId: 's', version: 2, story: {} });
    world.extra.hub.sendShared(id, 'event', EVENTS);
    world.extra.hub.send(id, 'snapshot', { storyId: 's', version: 3, story: {} });
    await expectEventually(() =>
      expect(ws.received).toEqual(['snapshot 1', 'snapshot 2', ...versions(), 'snapshot 3']),
    );
  });

  it('writes nothing after the WebSocket sent its close frame: catch-ups, events, room broadcasts', async () => {
    const ws = await connect(['websocket']);
    let disconnected = false;
    ws.client.on('disconnect', () => (disconnected = true));
    const id = ws.client.id!;
    const conn = world.server.sockets.sockets.get(id)!.conn as unknown as {
      transport: { socket: { close(): void } };
    };
    world.extra.hub.join(id, 'r');
    await expectEventually(() => expect(world.extra.tcp.writes.get(ws.key!)).toBe(2));
    conn.transport.socket.close();
    world.extra.hub.sendShared(id, 'event', EVENTS);
    world.extra.hub.sendShared(id, 'event', [EVENTS[0]]);
    world.extra.hub.toRoom('r', 'event', EVENTS[0]);
    await expectEventually(() => expect(disconnected).toBe(true));
    // The close frame, and nothing after it.
    expect(world.extra.tcp.writes.get(ws.key!)).toBe(3);
    expect(ws.received).toEqual([]);
  });

  it('answers a WebSocket upgrade (101 and the open packet) in one write', async () => {
    const ws = await connect(['websocket']);
    // By the time the client is connected the server wrote: the upgrade's answer, then the
    // namespace's connect packet (the answer to the client's "40").
    await expectEventually(() => expect(world.extra.tcp.writes.get(ws.key!)).toBe(2));
  });
});
