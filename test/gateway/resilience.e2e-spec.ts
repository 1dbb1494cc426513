import { Server, type Socket as TcpSocket } from 'node:net';
import { Client } from 'pg';
import { io } from 'socket.io-client';
import { SocketHub } from '../../apps/gateway/src/push/socket.hub';
import { expectEventually, GatewayHarness, r, type Reader } from './gateway.harness';

jest.setTimeout(60_000);

/** A long-polling client spoken by hand, so that it can stop reading while the server keeps writing. */
async function stalledPollingSubscriber(
  base: string,
  storyId: string,
): Promise<{ sid: string; poll: () => Promise<Response> }> {
  const url = (sid?: string) =>
    `${base}/socket.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}`;
  const open = await (await fetch(url())).text();
  const sid = JSON.parse(open.slice(1)).sid as string;
  await fetch(url(sid), { method: 'POST', body: '40' });
  const connected = await (await fetch(url(sid))).text();
  expect(connected).toMatch(/^40/);
  await fetch(url(sid), {
    method: 'POST',
    body: `421${JSON.stringify(['subscribe', { storyId, since: 0 }])}`,
  });
  return { sid, poll: () => fetch(url(sid)) };
}

/** Counts the writes (system calls) Node makes on the gateway's TCP socket of one reader from now on. */
function countTcpWrites(hub: SocketHub, socketId: string): () => number {
  const conn = hub.socket(socketId)!.conn as unknown as {
    transport: { socket: { _socket: TcpSocket } };
  };
  const tcp = conn.transport.socket._socket as unknown as Record<
    '_write' | '_writev',
    (...args: unknown[]) => void
  >;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method].bind(tcp);
    tcp[method] = (...args: unknown[]) => {
      writes += 1;
      original(...args);
    };
  }
  return () => writes;
}

describe('resilience', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await GatewayHarness.open();
    await h.startGateway({}, { slowConsumerBytes: 256 * 1024, slowConsumerCheckMs: 50 });
  });

  afterAll(async () => {
    await h.close();
  });

  it('disconnects a reader that stops reading, and only that one', async () => {
    const body = `<p>${'slow reader '.repeat(250)}</p>`;
    await h.story('slow', 0);
    for (let batch = 0; batch < 4; batch += 1) {
      await h.commit(
        Array.from({ length: 100 }, (_, i) => r.posted('slow', `e${batch * 100 + i}`, { body })),
      );
    }
    const healthy = await h.reader();
    await healthy.subscribe('slow', 350);
    const before = await h.metric('livefeed_gateway_slow_consumer_disconnects_total');

    const stalled = await stalledPollingSubscriber(h.url(), 'slow');
    await expectEventually(async () =>
      expect(await h.metric('livefeed_gateway_slow_consumer_disconnects_total')).toBe(before + 1),
    );
    // The session is gone: the client would reconnect and resume with `since`.
    expect((await stalled.poll()).status).toBe(400);
    expect(healthy.socket.connected).toBe(true);
    await h.commit([r.posted('slow', 'after-the-cut')]);
    await expectEventually(() => expect(healthy.holds('slow', 350)).toBe(402));
  });

  it('measures what a WebSocket has not flushed, and disconnects a reader that stops reading', async () => {
    const body = `<p>${'w'.repeat(19_000)}</p>`;
    await h.story('slow-ws', 0);
    for (let batch = 0; batch < 5; batch += 1) {
      await h.commit(
        Array.from({ length: 100 }, (_, i) => r.posted('slow-ws', `e${batch * 100 + i}`, { body })),
      );
    }
    const before = await h.metric('livefeed_gateway_slow_consumer_disconnects_total');
    const reader = await h.reader();
    const disconnected = new Promise<string>((resolve) =>
      reader.socket.once('disconnect', resolve),
    );
    const engine = reader.socket.io.engine as unknown as {
      transport: { ws: { _socket: { pause(): void; resume(): void } } };
    };
    engine.transport.ws._socket.pause();
    reader.socket.emit('subscribe', { storyId: 'slow-ws', since: 0 }, () => undefined);
    await expectEventually(async () =>
      expect(await h.metric('livefeed_gateway_slow_consumer_disconnects_total')).toBe(before + 1),
    );
    engine.transport.ws._socket.resume();
    expect(await disconnected).toMatch(/transport (close|error)/);
  });

  it('sends a catch-up of hundreds of events in a few TCP writes, encoding each event once for all readers', async () => {
    await h.story('bulk-catch-up', 299);
    const gateway = await h.startGateway();
    const hub = gateway.app.get(SocketHub);
    const readers = await Promise.all(Array.from({ length: 8 }, () => h.reader(gateway)));
    const server = hub.socket(readers[0].socket.id!)!.nsp.server;
    const encode = jest.spyOn(server.encoder, 'encode');
    const writes = readers.map((reader) => countTcpWrites(hub, reader.socket.id!));

    for (const reader of readers) await reader.subscribe('bulk-catch-up', 0);
    await expectEventually(() => {
      for (const reader of readers) expect(reader.holds('bulk-catch-up', 0)).toBe(300);
    });

    const eventEncodings = encode.mock.calls.filter(([packet]) => packet.data?.[0] === 'event');
    expect(eventEncodings.length).toBe(300);
    // The ack, then the 300 events that queued behind it: one write each, not one per event.
    for (const count of writes) expect(count()).toBeLessThanOrEqual(4);
    encode.mockRestore();
    for (const reader of readers) reader.close();
  });

  it('counts the sockets gone by their reason: a client leaving, a client gone silent', async () => {
    const gateway = await h.startGateway({}, { pingIntervalMs: 1000, pingTimeoutMs: 2000 });
    const gone = (reason: string) =>
      h.metric(`livefeed_gateway_disconnects_total{reason="${reason}"}`, gateway);
    const leaving = await h.reader(gateway);
    const silent = await h.reader(gateway);

    leaving.socket.disconnect();
    await expectEventually(async () => expect(await gone('client namespace disconnect')).toBe(1));
    // A client that reads nothing answers no ping: the server gives up on it after the timeout.
    const engine = silent.socket.io.engine as unknown as {
      transport: { ws: { _socket: { pause(): void } } };
    };
    engine.transport.ws._socket.pause();
    await expectEventually(async () =>
      expect(await gone('ping timeout')).toBeGreaterThanOrEqual(1),
    );
    expect(await gone('client namespace disconnect')).toBe(1);
    silent.close();
  });

  it('takes its heartbeat from the environment and tells it to every client in the handshake', async () => {
    const gateway = await h.startGateway({
      LIVEFEED_PING_INTERVAL_MS: '3000',
      LIVEFEED_PING_TIMEOUT_MS: '20000',
    });
    const open = await (await fetch(`${h.url(gateway)}/socket.io/?EIO=4&transport=polling`)).text();
    expect(JSON.parse(open.slice(1))).toMatchObject({ pingInterval: 3000, pingTimeout: 20_000 });
  });

  it('listens with a backlog deep enough for thousands of simultaneous connects', async () => {
    const listen = jest.spyOn(Server.prototype, 'listen');
    try {
      await h.startGateway({}, { listenBacklog: 3000 });
      expect(listen).toHaveBeenCalledWith(
        expect.objectContaining({ backlog: 3000 }),
        expect.any(Function),
      );
    } finally {
      listen.mockRestore();
    }
  });

  it('serves a reconnect storm of 1,000 readers with about one database read per story', async () => {
    const stories = Array.from({ length: 10 }, (_, i) => `storm-${i}`);
    for (const id of stories) await h.story(id, 120);
    // A fresh instance: nothing cached, as after a deploy or when a whole region fails over.
    const fresh = await h.startGateway();
    const readsBefore = await h.metric('livefeed_gateway_database_reads_total', fresh);

    const readers: { reader: Reader; storyId: string; since: number | undefined }[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const reader = await h.reader(fresh);
        readers.push({
          reader,
          storyId: stories[i % 10],
          since: i % 50 === 0 ? undefined : (i * 7) % 121,
        });
      }),
    );
    const live = h.commit(stories.map((id) => r.posted(id, 'during-the-storm')));
    const acks = await Promise.all(
      readers.map(({ reader, storyId, since }) => reader.subscribe(storyId, since)),
    );
    await live;
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);

    await expectEventually(
      () => {
        for (const { reader, storyId, since } of readers)
          expect(reader.holds(storyId, since)).toBe(122);
      },
      { timeoutMs: 30_000 },
    );
    const reads = (await h.metric('livefeed_gateway_database_reads_total', fresh)) - readsBefore;
    // One load and one catch-up window per story (the same event may also be noticed as a hole).
    expect(reads).toBeLessThanOrEqual(stories.length * 3);
    for (const { reader } of readers) reader.close();
  });

  it('tells connected readers to reconnect elsewhere when it shuts down', async () => {
    await h.story('handover', 1);
    const leaving = await h.startGateway();
    const staying = h.gateways[0];
    const socket = io(h.url(leaving), {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const hints: unknown[] = [];
    socket.on('reconnect', (hint: unknown) => hints.push(hint));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await socket.emitWithAck('subscribe', { storyId: 'handover', since: 2 });

    h.gateways.splice(h.gateways.indexOf(leaving), 1);
    await leaving.close();
    // "transport close" is a reason socket.io clients reconnect on by themselves.
    expect(await disconnected).toBe('transport close');
    expect(hints).toEqual([expect.objectContaining({ reason: 'shutting down' })]);
    socket.close();

    const moved = await h.reader(staying);
    await moved.subscribe('handover', 2);
    await h.commit([r.posted('handover', 'after-handover')]);
    await expectEventually(() => expect(moved.eventVersions('handover')).toEqual([3]));
  });

  it('answers "retry later" while PostgreSQL is unreachable, and recovers', async () => {
    await h.story('outage', 1);
    const base = h.url();
    const database = new URL(h.store.url).pathname.slice(1);
    const adminUrl = new URL(h.store.url);
    adminUrl.pathname = '/postgres';
    const cutOff = async (allow: boolean) => {
      const admin = new Client({ connectionString: adminUrl.toString() });
      await admin.connect();
      try {
        await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allow}`);
        if (!allow) {
          await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'livefeed-gateway'`,
            [database],
          );
        }
      } finally {
        await admin.end();
      }
    };
    await cutOff(false);
    try {
      await expectEventually(async () => expect((await fetch(`${base}/health`)).status).toBe(503));
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({
        status: 'error',
        details: { postgres: { status: 'down' }, nats: { status: 'up' } },
        error: { code: 'unavailable', message: 'postgres: PostgreSQL did not answer' },
      });
      const res = await fetch(`${base}/api/stories/outage-${Date.now()}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: { code: 'unavailable', message: 'the story store is unavailable, retry later' },
      });
      const reader = await h.reader();
      expect(await reader.subscribe('never-loaded-story')).toMatchObject({
        ok: false,
        error: { code: 'unavailable' },
      });
    } finally {
      await cutOff(true);
    }
    await expectEventually(async () => expect((await fetch(`${base}/health`)).status).toBe(200));
    expect((await fetch(`${base}/api/stories/outage`)).status).toBe(200);
  });
});
