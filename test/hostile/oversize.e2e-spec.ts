import http from 'node:http';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { expectEventually } from '@livefeed/common/testing';
import {
  type Answer,
  answerProblems,
  expectAlive,
  hostileStackOfFile,
  PUBLISHER_TOKEN,
  report,
  request,
} from '../support/hostile';

/** Oversize and deeply nested input on every way in (docs/security.md, "Limits"). */
jest.setTimeout(120_000);

const KIB = 1024;
const stack = hostileStackOfFile([['big', report('big-open', 'story.opened', { title: 'Big' })]]);

const auth = { authorization: `Bearer ${PUBLISHER_TOKEN}`, 'content-type': 'application/json' };
const post = (body: string | Buffer, path = '/api/stories/big/reports') =>
  request(stack.ingest.url, { method: 'POST', path, headers: auth, body });
const opened = (id: string, extra = '') =>
  `{"id":"${id}","storyId":"big","type":"story.opened","author":"a",${extra}"data":{"title":"t"}}`;

function expectError(answer: Answer, status: number, code: string) {
  expect(answerProblems(answer)).toEqual([]);
  expect({
    status: answer.status,
    code: (JSON.parse(answer.body) as { error: { code: string } }).error.code,
  }).toEqual({
    status,
    code,
  });
}

describe('the write API', () => {
  it('refuses 10 MiB with a declared length at once: 413', async () => {
    expectError(await post(Buffer.alloc(10 * KIB * KIB, 'x')), 413, 'payload-too-large');
  });

  it('refuses 10 MiB sent chunked, without a length: 413, and keeps serving', async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const { port } = new URL(stack.ingest.url);
      const req = http.request(
        { port, method: 'POST', path: '/api/stories/big/reports', headers: auth },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * KIB, 'x');
      for (let i = 0; i < 160; i++) req.write(chunk);
      req.end();
    });
    expectError(answer, 413, 'payload-too-large');
    await expectAlive(stack.ingest);
  });

  it('accepts 256 KiB exactly and refuses one byte more', async () => {
    const fill = (id: string, size: number) => {
      const head = opened(id, '"padding":"');
      return head.replace('"padding":"', `"padding":"${'x'.repeat(size - head.length - 2)}",`);
    };
    const exact = fill('big-exact', 256 * KIB).replace('"storyId":"big"', '"storyId":"bi2"');
    expect(Buffer.byteLength(exact)).toBe(256 * KIB);
    const answer = await request(stack.ingest.url, {
      method: 'POST',
      path: '/api/stories/bi2/reports?wait=20',
      headers: auth,
      body: exact,
    });
    expect(answer.status).toBe(201);
    expectError(await post(fill('big-over', 256 * KIB + 1)), 413, 'payload-too-large');
  });

  it.each([
    ['100,000 [', '['.repeat(100_000)],
    ['100,000 [ balanced', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['20,000 nested objects', '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)],
    [
      'a report nesting 33 levels in data',
      opened('deep-1').replace('"data":{', `"data":{"x":${'['.repeat(33)}${']'.repeat(33)},`),
    ],
  ])('answers %s with a clear 400', async (_name, body) => {
    const answer = await post(body);
    expectError(answer, 400, 'invalid');
    expect(answer.body).toMatch(/nest|deep|JSON/i);
  });
});

describe('the gateway', () => {
  it('refuses a 1 MiB body with 413 and 50,000 nested arrays with a 4xx, in the error body', async () => {
    const big = await request(stack.gateway.url, {
      method: 'POST',
      path: '/api/stories',
      headers: { 'content-type': 'application/json' },
      body: `"${'x'.repeat(KIB * KIB)}"`,
    });
    expectError(big, 413, 'payload-too-large');
    const deep = await request(stack.gateway.url, {
      method: 'POST',
      path: '/api/stories',
      headers: { 'content-type': 'application/json' },
      body: '['.repeat(50_000) + ']'.repeat(50_000),
    });
    expect(answerProblems(deep)).toEqual([]);
    expect(deep.status).toBeGreaterThanOrEqual(400);
    await expectAlive(stack.gateway);
  });

  it.each([['ingest'], ['gateway']] as const)(
    'answers a 100 KiB URL and a 20 KiB header on %s with 431 in the error body',
    async (app) => {
      const url = stack[app].url;
      expectError(
        await request(url, { path: `/api/stories?x=${'a'.repeat(100 * KIB)}` }),
        431,
        'header-too-large',
      );
      // HEAD too: its answer has no body, or the client cannot read it.
      const head = await request(url, {
        method: 'HEAD',
        path: `/api/stories/${'a'.repeat(20 * KIB)}`,
      });
      expect({ status: head.status, body: head.body }).toEqual({ status: 431, body: '' });
      expectError(
        await request(url, { path: '/health', headers: { 'x-big': 'a'.repeat(20 * KIB) } }),
        431,
        'header-too-large',
      );
    },
  );

  it('closes a socket that sends a message over 16 KiB, and survives 8,000 nested arrays', async () => {
    /** A socket of its own subscribes with `payload`: resolves once the gateway closed it. */
    const closedFor = async (payload: unknown) => {
      const socket = io(stack.gateway.url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const closed = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
      socket.emit('subscribe', payload, () => undefined);
      await closed;
    };
    await closedFor({ storyId: 'big', padding: 'x'.repeat(17 * KIB) });
    await closedFor(Buffer.alloc(64 * KIB));

    // The client library cannot even encode this (its binary check recurses): raw frames.
    const ws = new WebSocket(
      `${stack.gateway.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
    );
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(data.toString()));
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    ws.send('40');
    // Packets sent before the namespace has answered the connect would be dropped.
    await expectEventually(() => expect(frames.some((f) => f.startsWith('40'))).toBe(true));
    ws.send(`421["subscribe",${'['.repeat(8000)}${']'.repeat(8000)}]`);
    await expectEventually(() => expect(frames.some((f) => f.startsWith('431'))).toBe(true));
    const ack = JSON.parse(frames.find((f) => f.startsWith('431'))!.slice(3)) as unknown[];
    expect(ack[0]).toMatchObject({ ok: false, error: { code: 'invalid' } });
    ws.close();

    const after = io(stack.gateway.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve) => after.once('connect', () => resolve()));
    expect(await after.timeout(10_000).emitWithAck('subscribe', { storyId: 'big' })).toMatchObject({
      ok: true,
    });
    after.close();
    await expectAlive(stack.gateway);
  });
});

describe('reports on the stream', () => {
  const outcome = async (id: string) =>
    expectEventually(
      async () => {
        const [row] = await stack.world.sql<{ status: string; code: string; message: string }>(
          'SELECT status, code, message FROM report_outcomes WHERE report_id = $1',
          [id],
        );
        expect(row).toBeDefined();
        return row;
      },
      { timeoutMs: 30_000 },
    );

  it('rejects reports over 256 KiB as invalid, under their own id', async () => {
    for (const [id, size] of [
      ['nats-over', 256 * KIB + 1],
      ['nats-600k', 600 * KIB],
    ] as const) {
      const head = opened(id, '"padding":"');
      const text = head.replace(
        '"padding":"',
        `"padding":"${'x'.repeat(size - head.length - 2)}",`,
      );
      await stack.world.publish([
        { subject: stack.world.subjects.reports('big'), bytes: Buffer.from(text), msgId: id },
      ]);
      expect(await outcome(id)).toMatchObject({
        status: 'rejected',
        code: 'invalid',
        message: expect.stringContaining('262144'),
      });
    }
  });

  it('rejects 100,000 nested arrays as invalid: as seq:<n> without an id, else under the id', async () => {
    const js = (await import('@nats-io/jetstream')).jetstream(stack.world.nc);
    const ack = await js.publish(
      stack.world.subjects.reports('big'),
      Buffer.from('['.repeat(100_000)),
    );
    expect(await outcome(`seq:${ack.seq}`)).toMatchObject({ status: 'rejected', code: 'invalid' });
    const deep = opened('nats-deep').replace(
      '"data":{',
      `"data":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)},`,
    );
    await stack.world.publish([
      {
        subject: stack.world.subjects.reports('big'),
        bytes: Buffer.from(deep),
        msgId: 'nats-deep',
      },
    ]);
    expect(await outcome('nats-deep')).toMatchObject({
      status: 'rejected',
      code: 'invalid',
      message: expect.stringContaining('32 levels'),
    });
    await expectAlive(stack.ingest);
  });
});
