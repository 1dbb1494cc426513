import { io, type Socket } from 'socket.io-client';
import { expectEventually } from '@livefeed/common/testing';
import { answerProblems, hostileStack, readerToken, report, request } from '../support/hostile';
import { sharedByFile } from '../support/shared-by-file';

/**
 * Bad reader tokens on every read path (docs/security.md, "Reader tokens"): expired, forged,
 * unsigned, another algorithm, another story's, not valid yet, malformed. None of them reads the
 * private story, over HTTP (header or `?token=`) or socket.io; the answer is the same for all of
 * them, whatever the route or point in time asked for, and holds nothing of the story.
 */
jest.setTimeout(120_000);

const TITLE = 'VAULT-TITLE-d41d';
const BODY = 'VAULT-BODY-8f00';
const now = () => Math.floor(Date.now() / 1000);
const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

const BAD_TOKENS: [string, () => unknown][] = [
  ['expired', () => readerToken({ stories: ['vault'], exp: now() - 60 })],
  [
    'forged (another secret)',
    () => readerToken({ stories: ['vault'] }, { secret: 'x'.repeat(40) }),
  ],
  [
    'unsigned (alg none)',
    () => `${part({ alg: 'none', typ: 'JWT' })}.${part({ stories: ['vault'] })}.`,
  ],
  [
    'alg none with a signature',
    () => `${part({ alg: 'none' })}.${part({ stories: ['vault'] })}.c2ln`,
  ],
  ['another algorithm (HS512)', () => readerToken({ stories: ['vault'] }, { algorithm: 'HS512' })],
  ['another story', () => readerToken({ stories: ['open-1'] })],
  ['not valid yet (nbf)', () => readerToken({ stories: ['vault'], nbf: now() + 3600 })],
  ['stories as a string', () => readerToken({ stories: 'vault' })],
  ['the story id in capitals', () => readerToken({ stories: ['VAULT'] })],
  ['garbage', () => 'garbage'],
  ['three empty parts', () => '..'],
  ['a tampered payload', () => tamper(readerToken({ stories: ['open-1'] }))],
  ['10,000 characters', () => 'a'.repeat(10_000)],
];

/** The signature of a token for another story, on a payload that names this one. */
function tamper(token: string): string {
  const [header, , signature] = token.split('.');
  return `${header}.${part({ stories: ['vault'] })}.${signature}`;
}

let openedAt: string;
const stack = sharedByFile(async () => {
  const s = await hostileStack();
  await s.file('open-1', report('o1', 'story.opened', { title: 'Open' }));
  await s.file('open-1', report('o2', 'entry.posted', { entryId: 'e1', body: '<p>open</p>' }));
  openedAt = new Date().toISOString();
  await s.file('vault', report('v1', 'story.opened', { title: TITLE, visibility: 'private' }));
  await s.file('vault', report('v2', 'entry.posted', { entryId: 'e1', body: `<p>${BODY}</p>` }));
  return s;
});

/** Every read of the private story over HTTP, points in time before and after it existed included. */
const apiPaths = () => [
  '/api/stories/vault',
  '/api/stories/vault?at=1',
  '/api/stories/vault?at=2',
  '/api/stories/vault?at=2147483647',
  `/api/stories/vault?at=${encodeURIComponent('2000-01-01T00:00:00Z')}`,
  `/api/stories/vault?at=${encodeURIComponent(openedAt)}`,
  `/api/stories/vault?at=${encodeURIComponent(new Date().toISOString())}`,
  '/api/stories/vault/events',
  '/api/stories/vault/events?after=1&limit=1',
  '/api/stories/vault/events?after=2147483647',
  '/api/stories/vault/entries/e1/history',
  '/api/stories/vault/entries/e9/history',
];
const pagePaths = ['/stories/vault', '/stories/vault?at=1', '/'];

type Carry = 'header' | 'query';
const read = (path: string, token: unknown, carry: Carry) => {
  if (typeof token !== 'string') return request(stack.gateway.url, { path });
  if (carry === 'header')
    return request(stack.gateway.url, { path, headers: { authorization: `Bearer ${token}` } });
  const joined = `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  return request(stack.gateway.url, { path: joined });
};

describe('over HTTP', () => {
  it('serves the private story to a token that grants it (the control)', async () => {
    const token = readerToken({ stories: ['vault'], exp: now() + 3600 });
    for (const carry of ['header', 'query'] as const) {
      const answer = await read('/api/stories/vault', token, carry);
      expect(answer.status).toBe(200);
      expect(answer.body).toContain(TITLE);
      expect(answer.headers['cache-control']).toMatch(/^private/);
    }
  });

  it.each([['none', () => undefined] as [string, () => unknown], ...BAD_TOKENS])(
    'answers a token that is %s with the one refusal on every route, in header or query',
    async (_name, make) => {
      const token = make();
      for (const carry of ['header', 'query'] as const) {
        // A `?token=` longer than a token may be (8 KiB) is refused as a malformed parameter first.
        const tooLong = carry === 'query' && typeof token === 'string' && token.length > 8192;
        const answers = new Set<string>();
        for (const path of apiPaths()) {
          const answer = await read(path, token, carry);
          expect({ path, carry, problems: answerProblems(answer) }).toEqual({
            path,
            carry,
            problems: [],
          });
          expect({ path, carry, status: answer.status }).toEqual({
            path,
            carry,
            status: tooLong ? 400 : 403,
          });
          expect(answer.headers['cache-control']).toBe('no-store');
          answers.add(answer.body.replace(/vault|ghost/g, '<id>'));
        }
        // An unknown story's answer to a parameter too long is the same.
        if (tooLong)
          answers.add(
            (await read('/api/stories/ghost', token, carry)).body.replace(/vault|ghost/g, '<id>'),
          );
        // One answer for every route and point in time: nothing tells versions or dates apart.
        expect([...answers].map((a) => JSON.parse(a) as unknown)).toEqual([
          { error: expect.objectContaining({ code: tooLong ? 'invalid' : 'forbidden' }) },
        ]);
        expect([...answers][0]).not.toContain(TITLE);
        for (const path of pagePaths) {
          const answer = await read(path, token, carry);
          expect(answer.status).toBeLessThan(500);
          expect(answer.body).not.toContain(TITLE);
          expect(answer.body).not.toContain(BODY);
        }
        const list = await read('/api/stories', token, carry);
        expect(list.body).not.toContain('vault');
      }
    },
  );

  it('answers an unknown story 404 for any token, valid ones included', async () => {
    for (const token of [undefined, readerToken({ stories: ['ghost'] }), 'garbage']) {
      const answer = await read('/api/stories/ghost', token, 'header');
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain('vault');
    }
  });
});

describe('over socket.io', () => {
  const connect = (auth: Record<string, unknown>) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(stack.gateway.url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth,
      });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });

  it('refuses every bad token with the same forbidden ack and sends nothing of the story', async () => {
    const granted = await connect({
      token: readerToken({ stories: ['vault'], exp: now() + 3600 }),
    });
    const head = (await granted.timeout(10_000).emitWithAck('subscribe', { storyId: 'vault' })) as {
      version: number;
    };
    const handshakes: [string, Record<string, unknown>][] = [
      ['no auth', {}],
      ['a number', { token: 42 }],
      ['an object', { token: { stories: ['vault'] } }],
      ['a list', { token: [readerToken({ stories: ['vault'] })] }],
      ...BAD_TOKENS.map(([name, make]): [string, Record<string, unknown>] => [
        name,
        { token: make() },
      ]),
    ];
    const received: { name: string; storyId: string }[] = [];
    const acks = new Set<string>();
    const sockets: Socket[] = [];
    for (const [name, auth] of handshakes) {
      const socket = await connect(auth);
      sockets.push(socket);
      for (const kind of ['snapshot', 'event'])
        socket.on(kind, (m: { storyId: string }) => received.push({ name, storyId: m.storyId }));
      for (const request of [
        { storyId: 'vault' },
        { storyId: 'vault', since: 0 },
        { storyId: 'vault', since: 1 },
      ])
        acks.add(JSON.stringify(await socket.timeout(10_000).emitWithAck('subscribe', request)));
    }
    expect(acks.size).toBe(1);
    expect(JSON.parse([...acks][0])).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.any(String) },
    });
    // A new event reaches the granted reader, and none of the others.
    const got: number[] = [];
    granted.on('event', (e: { version: number }) => got.push(e.version));
    await stack.file(
      'vault',
      report('v3', 'entry.posted', { entryId: 'e2', body: `<p>${BODY}</p>` }),
    );
    await expectEventually(() => expect(got).toEqual([head.version + 1]));
    expect(received).toEqual([]);
    for (const socket of [granted, ...sockets]) socket.close();
  });
});
