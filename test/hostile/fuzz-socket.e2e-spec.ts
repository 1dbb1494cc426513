import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { expectEventually } from '@livefeed/common/testing';
import { hostileString, hostileValue } from '../support/fuzz.arbitraries';
import {
  errorLines,
  expectAlive,
  fuzzSuite,
  hostileStackOfFile,
  inParallel,
  report,
  sampleCases,
} from '../support/hostile';

/**
 * socket.io messages with arbitrary payloads (docs/security.md, "What the fuzzer covers"): every
 * `subscribe` and `unsubscribe` with an ack is answered once in the protocol's shape, whatever its
 * payload; no ack, unknown messages, binary and huge ones and raw engine.io frames break nothing;
 * nothing of the private story reaches anyone; a reader subscribed throughout gets every event.
 */
const CASES = fuzzSuite(0.15, 60);

const MAX_MESSAGE = 16 * 1024;
/** The `n`-th entry posted to the open story while the fuzzing goes on. */
const livePost = (n: number) =>
  report(`live-${n}`, 'entry.posted', { entryId: `live-${n}`, body: `<p>${n}</p>` });
const stack = hostileStackOfFile([
  ['open-1', report('o1', 'story.opened', { title: 'Open' })],
  ['vault', report('v1', 'story.opened', { title: 'VAULT-TITLE', visibility: 'private' })],
]);

const payload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileValue },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        storyId: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom('open-1', 'vault', 'ghost') },
          { weight: 1, arbitrary: hostileValue },
        ),
        since: fc.oneof(fc.nat({ max: 5 }), hostileValue),
        extra: hostileValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 40_000 }).map((n) => 'x'.repeat(n)) },
);
const sioOp = fc.record({
  kind: fc.constant('sio' as const),
  event: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('subscribe', 'unsubscribe') },
    {
      weight: 1,
      arbitrary: fc.constantFrom('event', 'snapshot', '__proto__', 'constructor', 'toString'),
    },
    { weight: 1, arbitrary: hostileString.map((s) => s.slice(0, 50)) },
  ),
  args: fc.array(payload, { maxLength: 3 }),
  ack: fc.boolean(),
});
const rawOp = fc.record({
  kind: fc.constant('raw' as const),
  frames: fc.array(
    fc.oneof(
      fc.constantFrom(
        '42["subscribe",{"storyId":"open-1"}]',
        '421["subscribe"',
        '4',
        '2',
        '6',
        '1',
      ),
      // Names the client library refuses to send: reserved ones, with an ack id.
      fc.constantFrom(
        '427["disconnect"]',
        '428["connect",{}]',
        '429["newListener","x"]',
        '42["error"]',
      ),
      fc.constantFrom(
        '451-["subscribe",{"_placeholder":true,"num":0}]',
        '42["x",' + '['.repeat(4000),
      ),
      hostileString.map((s) => `42${JSON.stringify(['subscribe', s])}`),
      hostileString,
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    ),
    { minLength: 1, maxLength: 4 },
  ),
});
const socketCase = fc.oneof({ weight: 9, arbitrary: sioOp }, { weight: 1, arbitrary: rawOp });
type SocketCase = typeof socketCase extends fc.Arbitrary<infer T> ? T : never;

const ACK_CODES = ['invalid', 'not-found', 'forbidden'];
function ackProblems(event: string, ack: unknown): string[] {
  const a = ack as {
    ok?: unknown;
    storyId?: unknown;
    version?: unknown;
    error?: Record<string, unknown>;
  };
  if (typeof a !== 'object' || a === null) return [`ack is not an object: ${JSON.stringify(ack)}`];
  if (a.ok === true) {
    const keys = Object.keys(a).sort().join();
    const expected = event === 'subscribe' ? 'ok,storyId,version' : 'ok,storyId';
    const version = event === 'subscribe' ? Number.isInteger(a.version) : true;
    return keys === expected && typeof a.storyId === 'string' && version
      ? []
      : [`malformed ok ack ${JSON.stringify(ack)}`];
  }
  const e = a.error;
  return a.ok === false && e && ACK_CODES.includes(String(e.code)) && typeof e.message === 'string'
    ? []
    : [`malformed refusal ${JSON.stringify(ack).slice(0, 200)}`];
}

/** Encoded size, roughly: socket.io writes JSON, and binary as attachments of their own. */
const sizeOf = (args: unknown[]) =>
  args.reduce<number>(
    (n, a) => n + (Buffer.isBuffer(a) ? a.length + 50 : Buffer.byteLength(JSON.stringify(a) ?? '')),
    0,
  );

class Client {
  socket!: Socket;
  readonly allowed = new Set<string>();
  readonly pushed: { kind: string; storyId: string; version: number }[] = [];

  async open(url: string): Promise<void> {
    this.socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    for (const kind of ['snapshot', 'event'])
      this.socket.on(kind, (m: { storyId: string; version: number }) =>
        this.pushed.push({ kind, storyId: m.storyId, version: m.version }),
      );
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
    });
  }

  /** Resolves once the server closed the connection, or after a round trip it did not. */
  async closedOrQuiet(): Promise<void> {
    const probe = this.emit('unsubscribe', [{ storyId: 'open-1' }]);
    await probe;
  }

  /** Resolves with the ack, with 'disconnected' if the socket went first, or 'no ack' after 10 s. */
  emit(event: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('no ack'), 10_000);
      const gone = () => finish('disconnected');
      const finish = (value: unknown) => {
        clearTimeout(timer);
        this.socket.off('disconnect', gone);
        resolve(value);
      };
      this.socket.once('disconnect', gone);
      this.socket.emit(event, ...args, (ack: unknown) => finish(ack));
    });
  }
}

async function rawFrames(url: string, frames: readonly (string | Buffer)[]): Promise<void> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  ws.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.on('message', (data: Buffer) => {
      // Sent once the namespace has answered the connect: earlier packets would be dropped unread.
      if (!data.toString().startsWith('40')) return;
      for (const frame of frames) ws.send(frame);
      // Long enough for the server to read them; it may well close the socket first.
      setTimeout(resolve, 50);
    });
    ws.once('open', () => ws.send('40'));
    setTimeout(resolve, 5_000);
  });
  ws.terminate();
}

it(`answers ${CASES} hostile socket.io messages by the protocol, and nobody is held up`, async () => {
  const cases = sampleCases('fuzz-socket', socketCase, CASES);
  const sentinel = new Client();
  await sentinel.open(stack.gateway.url);
  const head = (await sentinel.emit('subscribe', [{ storyId: 'open-1' }])) as { version: number };
  const failures: string[] = [];
  let posted = 0;
  const poster = setInterval(() => {
    posted += 1;
    void stack
      .file('open-1', livePost(posted))
      .catch((error: unknown) => failures.push(`posting failed: ${String(error)}`));
  }, 500);

  const pool = Array.from({ length: 6 }, () => new Client());
  await Promise.all(pool.map((c) => c.open(stack.gateway.url)));
  let acks = 0;
  let disconnects = 0;
  const started = Date.now();
  try {
    // Each client takes its own share of the cases, one at a time, so that a message that closes a
    // connection can only cost its own ack.
    await inParallel(pool, pool.length, async (client, lane) => {
      let previous: SocketCase | undefined;
      for (let i = lane; i < cases.length; i += pool.length) {
        const c: SocketCase = cases[i];
        if (c.kind === 'raw') {
          await rawFrames(stack.gateway.url, c.frames);
          continue;
        }
        if (!client.socket.connected) {
          disconnects += 1;
          await client.open(stack.gateway.url);
        }
        const known = c.event === 'subscribe' || c.event === 'unsubscribe';
        if (!c.ack || !known) {
          try {
            client.socket.emit(c.event, ...c.args);
          } catch {
            // The client library refuses some names (the raw frames send them).
          }
          // A message over the limit closes the connection: let that happen before the next case.
          if (sizeOf(c.args) > MAX_MESSAGE / 2) await client.closedOrQuiet();
          previous = c;
          continue;
        }
        const ack = await client.emit(c.event, c.args);
        const what = `${c.event} ${JSON.stringify(c.args)?.slice(0, 200)} (after ${JSON.stringify(previous)?.slice(0, 100)})`;
        previous = c;
        // Over 16 KiB the server closes the connection; the size here is an estimate.
        if (ack === 'disconnected' && sizeOf(c.args) > MAX_MESSAGE / 2) continue;
        if (ack === 'disconnected' || ack === 'no ack') {
          failures.push(`${what} → ${String(ack)}`);
          continue;
        }
        acks += 1;
        const problems = ackProblems(c.event, ack);
        if (problems.length > 0) failures.push(`${what}: ${problems.join('; ')}`);
        const ok = ack as { ok: boolean; storyId?: string };
        if (ok.ok && c.event === 'subscribe' && ok.storyId) client.allowed.add(ok.storyId);
      }
    });
  } finally {
    clearInterval(poster);
  }
  const elapsedMs = Date.now() - started;
  // A few more after the storm, so that even a short run proves the sentinel still gets them.
  for (let k = 0; k < 3; k++) {
    posted += 1;
    await stack.file('open-1', livePost(posted));
  }
  expect(failures.slice(0, 10)).toEqual([]);
  for (const client of pool) {
    expect(client.pushed.filter((m) => !client.allowed.has(m.storyId))).toEqual([]);
    expect(client.pushed.filter((m) => m.storyId === 'vault')).toEqual([]);
    client.socket.close();
  }

  // The reader subscribed throughout got every event, in order.
  await expectEventually(
    async () => {
      const [{ v }] = await stack.world.sql<{ v: number }>(
        "SELECT max(version)::int AS v FROM events WHERE story_id = 'open-1'",
      );
      const versions = sentinel.pushed
        .filter((m) => m.storyId === 'open-1' && m.kind === 'event')
        .map((m) => m.version);
      expect(versions).toEqual(
        Array.from({ length: v - head.version }, (_, k) => head.version + 1 + k),
      );
    },
    { timeoutMs: 30_000 },
  );
  sentinel.socket.close();
  await expectAlive(stack.gateway);
  expect(errorLines(stack.gateway)).toEqual([]);
  console.log(
    `fuzz-socket: ${cases.length} cases in ${elapsedMs} ms, ${acks} acks checked, ` +
      `${disconnects} connections closed by the server (oversize or malformed) and reopened; ` +
      `the sentinel got ${posted} live posts gapless; 0 crashes, 0 error logs`,
  );
});
