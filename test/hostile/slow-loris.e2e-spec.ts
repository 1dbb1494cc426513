import { expectEventually } from '@livefeed/common/testing';
import {
  answerProblems,
  expectAlive,
  hostileStack,
  percentiles,
  PUBLISHER_TOKEN,
  RawClient,
  request,
  type HostileStack,
} from '../support/hostile';

/**
 * Slow-loris clients on both HTTP ports (docs/security.md, "Timeouts"): headers or a body dribbled a
 * byte a second, or nothing sent at all. The servers cut them off at their timeouts (shortened here:
 * 2 s for headers, 4 s for a request) with a 408 in the error body, and answer everyone else
 * meanwhile.
 */
jest.setTimeout(120_000);

const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;
/** What a loaded two-core machine may add to a timeout before the server's check comes round. */
const SLACK_MS = 6_000;
const PER_KIND = 50;
let stack: HostileStack;

beforeAll(async () => {
  stack = await hostileStack({
    LIVEFEED_HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    LIVEFEED_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
});
afterAll(async () => {
  await stack?.close();
});

interface Attacker {
  readonly kind: 'headers' | 'body' | 'idle' | 'upgrade';
  readonly client: RawClient;
  /** What is left to dribble, a byte at a time. */
  pending: string;
}

async function attack(port: number, app: 'ingest' | 'gateway'): Promise<Attacker[]> {
  const bodyPath = app === 'ingest' ? '/api/stories/slow/reports' : '/api/stories';
  const kinds: [Attacker['kind'], string, string][] = [
    ['headers', '', `GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`],
    [
      'body',
      `POST ${bodyPath} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${PUBLISHER_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
      '{"id":"slow","type":"story.opened",' + ' '.repeat(1000),
    ],
    ['idle', '', ''],
    [
      'upgrade',
      '',
      'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
        'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    ],
  ];
  const attackers: Attacker[] = [];
  for (const [kind, head, dribble] of kinds) {
    for (let i = 0; i < PER_KIND; i++) {
      const client = await RawClient.connect(port);
      client.write(head);
      attackers.push({ kind, client, pending: dribble });
    }
  }
  return attackers;
}

it('cuts off slow-loris clients on both ports and keeps answering others meanwhile', async () => {
  const targets = [
    { app: 'ingest' as const, p: stack.ingest },
    { app: 'gateway' as const, p: stack.gateway },
  ];
  const attackers = (await Promise.all(targets.map(({ app, p }) => attack(p.port, app)))).flat();
  const dribbler = setInterval(() => {
    for (const a of attackers) {
      if (a.pending.length === 0 || a.client.closed) continue;
      a.client.write(a.pending[0]);
      a.pending = a.pending.slice(1);
    }
  }, 1000);

  // Others, meanwhile: a new connection for every request, as a browser's first visit.
  const latencies: number[] = [];
  const failures: string[] = [];
  let probing = true;
  const probes = targets.map(async ({ p, app }) => {
    while (probing) {
      const started = Date.now();
      const path = app === 'gateway' ? '/api/stories' : '/api/reports/probe';
      try {
        const answer = await request(p.url, {
          path,
          headers: { authorization: `Bearer ${PUBLISHER_TOKEN}`, connection: 'close' },
          timeoutMs: 10_000,
        });
        latencies.push(Date.now() - started);
        if (answer.status !== 200 || answerProblems(answer).length > 0)
          failures.push(`${app} ${path}: ${answer.status}`);
      } catch (error) {
        failures.push(`${app} ${path}: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  try {
    await expectEventually(
      () => expect(attackers.filter((a) => !a.client.closed).map((a) => a.kind)).toEqual([]),
      { timeoutMs: REQUEST_TIMEOUT_MS + SLACK_MS + 5_000, intervalMs: 200 },
    );
  } finally {
    probing = false;
    clearInterval(dribbler);
    await Promise.all(probes);
    for (const a of attackers) a.client.destroy();
  }

  const closedAfter = (kind: Attacker['kind']) =>
    percentiles(
      attackers.filter((a) => a.kind === kind).map((a) => a.client.closedAt! - a.client.openedAt),
    );
  const figures = {
    headers: closedAfter('headers'),
    body: closedAfter('body'),
    idle: closedAfter('idle'),
    upgrade: closedAfter('upgrade'),
  };
  expect(figures.headers.max).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  expect(figures.idle.max).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  expect(figures.upgrade.max).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  expect(figures.body.max).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
  // None was cut off before its time.
  expect(figures.headers.p50).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
  expect(figures.body.p50).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);

  // Those still able to read were told why, in the error body.
  const answered = attackers.filter((a) => a.client.status !== undefined);
  expect(
    answered.filter((a) => a.client.status !== 408).map((a) => a.client.received.slice(0, 80)),
  ).toEqual([]);
  for (const a of answered)
    expect(a.client.json).toEqual({ error: { code: 'timeout', message: expect.any(String) } });
  expect(answered.length).toBeGreaterThan(attackers.length / 2);

  expect(failures).toEqual([]);
  const probe = percentiles(latencies);
  expect(probe.p99).toBeLessThan(1000);
  for (const { p } of targets) await expectAlive(p);
  console.log(
    `slow-loris: ${attackers.length} slow connections (${PER_KIND} each of headers, body, idle, ` +
      `WebSocket upgrade, on each port) closed after (ms) ${JSON.stringify(figures)}; ` +
      `${answered.length} answered 408; ${latencies.length} other requests meanwhile, all 200, ` +
      `latency p50 ${probe.p50} ms, p99 ${probe.p99} ms, max ${probe.max} ms`,
  );
});
