import { io, type Socket } from 'socket.io-client';
import { expectEventually } from '@livefeed/common/testing';
import {
  expectAlive,
  hostileStack,
  percentiles,
  RawClient,
  request,
  type HostileStack,
} from '../support/hostile';

/**
 * Floods from one client (docs/security.md, "Limits"): connections beyond the per-address cap
 * (`LIVEFEED_MAX_CONNECTIONS_PER_IP`) are answered 429 and closed, a connection's subscriptions
 * beyond 100 are refused, and meanwhile a reader from another address connects, subscribes and
 * gets its events on time.
 */
jest.setTimeout(180_000);

const CAP = 100;
/** Another loopback address: the client the flood must not hold up. */
const OTHER = '127.0.0.2';
const STORIES = 120;
let stack: HostileStack;

beforeAll(async () => {
  stack = await hostileStack({ LIVEFEED_MAX_CONNECTIONS_PER_IP: String(CAP) });
  await stack.world.publish(
    Array.from({ length: STORIES }, (_, i) => ({
      id: `open-${i}`,
      storyId: `s-${i}`,
      type: 'story.opened',
      author: 'a',
      data: { title: `Story ${i}` },
    })),
  );
  await expectEventually(async () => expect(await stack.world.outcomeCount()).toBe(STORIES), {
    timeoutMs: 60_000,
  });
});
afterAll(async () => {
  await stack?.close();
});

const connect = (options: Record<string, unknown> = {}) =>
  new Promise<Socket | null>((resolve) => {
    const socket = io(stack.gateway.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 20_000,
      ...options,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', () => {
      socket.close();
      resolve(null);
    });
  });

/** Posts an entry and resolves with how long it took to reach `reader` (ms). */
async function delivery(reader: Socket, storyId: string, n: number): Promise<number> {
  const arrived = new Promise<number>((resolve) => {
    const onEvent = (e: { storyId: string; data: { entryId?: string } }) => {
      if (e.storyId !== storyId || e.data.entryId !== `live-${n}`) return;
      reader.off('event', onEvent);
      resolve(Date.now());
    };
    reader.on('event', onEvent);
  });
  const started = Date.now();
  await stack.file(storyId, {
    id: `live-${storyId}-${n}`,
    type: 'entry.posted',
    author: 'a',
    data: { entryId: `live-${n}`, body: '<p>live</p>' },
  });
  return (await arrived) - started;
}

it('caps the connections of one address, and another address keeps working meanwhile', async () => {
  const other = await connect({ localAddress: OTHER });
  expect(other).not.toBeNull();
  expect(await other!.timeout(10_000).emitWithAck('subscribe', { storyId: 's-0' })).toMatchObject({
    ok: true,
  });

  const flood = await Promise.all(Array.from({ length: 3 * CAP }, () => connect()));
  const connected = flood.filter((s): s is Socket => s !== null);
  const raw = await Promise.all(
    Array.from({ length: 50 }, () => RawClient.connect(stack.gateway.port)),
  );
  await expectEventually(() => expect(raw.filter((c) => !c.closed)).toEqual([]));

  const latencies: number[] = [];
  for (let n = 0; n < 5; n++) latencies.push(await delivery(other!, 's-0', n));
  const api = await request(stack.gateway.url, { path: '/api/stories', localAddress: OTHER });
  expect(api.status).toBe(200);

  // The cap held: none of the raw connections got a place, and each was told why.
  expect(connected.length).toBeLessThanOrEqual(CAP);
  expect(connected.length).toBeGreaterThan(CAP - 10);
  expect(raw.map((c) => c.status)).toEqual(raw.map(() => 429));
  expect(raw[0].json).toEqual({
    error: { code: 'too-many-connections', message: `at most ${CAP} connections from one address` },
  });

  // Places come back as connections close.
  for (const s of connected) s.close();
  await expectEventually(async () => expect(await connect()).not.toBeNull(), { timeoutMs: 10_000 });
  const figures = percentiles(latencies);
  expect(figures.max).toBeLessThan(2000);
  other!.close();
  await expectAlive(stack.gateway);
  console.log(
    `floods: ${3 * CAP} socket.io connections and 50 raw ones from one address with a cap of ${CAP}: ` +
      `${connected.length} admitted, the rest refused (raw ones answered 429); another address ` +
      `meanwhile: event delivery p50 ${figures.p50} ms, max ${figures.max} ms, read API 200`,
  );
});

it('answers a flood of 5,000 subscribes on one connection, within 100 stories, and others keep up', async () => {
  const flooder = (await connect())!;
  const reader = (await connect({ localAddress: OTHER }))!;
  expect(await reader.timeout(10_000).emitWithAck('subscribe', { storyId: 's-1' })).toMatchObject({
    ok: true,
  });
  const payloads = Array.from({ length: 5000 }, (_, i) => {
    if (i % 5 === 4) return { storyId: 'Not Valid', since: -1 };
    if (i % 2 === 0) return { storyId: `nope-${i}` };
    return { storyId: `s-${i % STORIES}`, since: 0 };
  });
  const started = Date.now();
  const acks = Promise.all(
    payloads.map((p) =>
      (
        flooder.timeout(60_000).emitWithAck('subscribe', p) as Promise<{
          ok: boolean;
          error?: { code: string };
        }>
      ).catch(() => ({ ok: false, error: { code: 'no ack' } })),
    ),
  );
  // Meanwhile, another reader's events.
  const latencies: number[] = [];
  for (let n = 0; n < 5; n++) latencies.push(await delivery(reader, 's-1', n));
  const answered = await acks;
  const floodMs = Date.now() - started;

  const codes = new Map<string, number>();
  for (const a of answered) {
    const code = a.ok ? 'ok' : a.error!.code;
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  expect(codes.get('no ack')).toBeUndefined();
  expect(codes.get('unavailable')).toBeUndefined();
  expect(codes.get('ok') ?? 0).toBeGreaterThan(0);
  expect(codes.get('invalid') ?? 0).toBeGreaterThanOrEqual(1000);
  const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
  const held = Number(/^livefeed_gateway_subscriptions (\d+)/m.exec(metrics)?.[1]);
  // The flooder's 100 at most, and the readers'.
  expect(held).toBeLessThanOrEqual(100 + 2);
  const figures = percentiles(latencies);
  expect(figures.max).toBeLessThan(2000);
  flooder.close();
  reader.close();
  await expectAlive(stack.gateway);
  console.log(
    `floods: 5,000 subscribes on one connection answered in ${floodMs} ms ` +
      `${JSON.stringify(Object.fromEntries(codes))}, ${held} subscriptions held; another reader ` +
      `meanwhile: event delivery p50 ${figures.p50} ms, max ${figures.max} ms`,
  );
});
