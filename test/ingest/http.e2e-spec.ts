import net from 'node:net';
import { expectEventually } from '@livefeed/common/testing';
import { type AppProcess, startApp } from '../support/processes';
import { isolatedWorld } from '../support/livefeed';
import { TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(60_000);

let world: Awaited<ReturnType<typeof isolatedWorld>>;
let ingest: AppProcess;
const TOKEN = 'test-publisher-token';

beforeAll(async () => {
  world = await isolatedWorld();
  ingest = await startApp('ingest', { ...world.env, LIVEFEED_PUBLISH_TOKENS: `other,${TOKEN}` });
});
afterAll(async () => {
  await ingest?.stop();
  await world?.close();
});

const post = (storyId: string, body: string | object, { token = TOKEN, query = '' } = {}) =>
  fetch(`${ingest.url}/api/stories/${storyId}/reports${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const getOutcome = (reportId: string, token = TOKEN) =>
  fetch(`${ingest.url}/api/reports/${reportId}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
const UNAUTHORIZED = {
  error: {
    code: 'unauthorized',
    message: 'a valid publisher token is required: Authorization: Bearer <token>',
  },
};
const opened = (id: string, extra: object = {}) => ({
  id,
  type: 'story.opened',
  author: 'desk:http',
  data: { title: 'Over HTTP' },
  ...extra,
});

describe('POST /api/stories/:id/reports', () => {
  it('refuses a request without a valid publisher token with 401 and the error body', async () => {
    for (const token of ['', 'wrong']) {
      const res = await post('h1', opened('h1-a'), { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual(UNAUTHORIZED);
    }
  });

  it('queues a valid report with 202 once JetStream has it, storyId taken from the path', async () => {
    const res = await post('h2', opened('h2-a'));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      reportId: 'h2-a',
      status: 'queued',
      seq: expect.any(Number),
    });
  });

  it('answers 201 with the version when asked to wait for an accepted report', async () => {
    const res = await post('h3', opened('h3-a'), { query: '?wait=10' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ reportId: 'h3-a', status: 'accepted', version: 1 });
  });

  it('answers 422 with the code when asked to wait for a rejected report', async () => {
    await post('h4', opened('h4-a'), { query: '?wait=10' });
    const res = await post('h4', opened('h4-b'), { query: '?wait=10' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      reportId: 'h4-b',
      status: 'rejected',
      code: 'story-exists',
    });
  });

  it('answers a report id already decided with its first outcome', async () => {
    await post('h5', opened('h5-a'), { query: '?wait=10' });
    const again = await post('h5', opened('h5-a', { data: { title: 'different' } }), {
      query: '?wait=10',
    });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ reportId: 'h5-a', status: 'accepted', version: 1 });
  });

  it('answers 400 with field errors before anything reaches NATS', async () => {
    const res = await post('h6', {
      id: 'h6-a',
      type: 'entry.posted',
      author: '',
      data: { entryId: 'bad id' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; fields: { path: string; message: string }[] };
    };
    expect(body).toEqual({
      error: { code: 'invalid', message: expect.any(String), fields: expect.any(Array) },
    });
    expect(body.error.fields.map((f) => f.path)).toEqual(
      expect.arrayContaining(['author', 'data.entryId', 'data.body']),
    );
    for (const field of body.error.fields) expect(field.message).toEqual(expect.any(String));
    expect(await (await getOutcome('h6-a')).json()).toMatchObject({ status: 'unknown' });
  });

  it('answers 400 naming data.source to a post giving both sources and the older source', async () => {
    const res = await post('h6', {
      id: 'h6-both',
      type: 'entry.posted',
      author: 'desk',
      data: { entryId: 'e1', body: '<p>x</p>', sources: [{ name: 'A' }], source: { name: 'A' } },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        code: 'invalid',
        fields: [
          {
            path: 'data.source',
            message: 'give either sources or the older single source, not both',
          },
        ],
      },
    });
  });

  it.each([
    ['malformed JSON', '{"id":'],
    [
      'a body whose storyId differs from the path',
      JSON.stringify(opened('h7-b', { storyId: 'other' })),
    ],
    ['a NUL character', JSON.stringify(opened('h7-c', { data: { title: 'a\u0000' } }))],
    ['deep nesting', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['an array', '[1,2]'],
  ])('answers 400 to %s', async (_name, body) => {
    const res = await post('h7', body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as object;
    expect(Object.keys(answer)).toEqual(['error']);
    expect(answer).toMatchObject({ error: { code: 'invalid', message: expect.any(String) } });
  });

  it('answers 400 to a malformed story id or wait, naming the field', async () => {
    for (const [storyId, query, path] of [
      ['Not_Valid', '', 'id'],
      ['h8', '?wait=31', 'wait'],
      ['h8', '?wait=1&wait=2', 'wait'],
    ]) {
      const res = await post(storyId, opened('h8-a'), { query });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 'invalid',
          message: expect.any(String),
          fields: [{ path, message: expect.any(String) }],
        },
      });
    }
  });

  it('accepts bodies between 100 KiB and 256 KiB', async () => {
    const body = JSON.stringify({
      id: 'h9-a',
      type: 'story.opened',
      author: 'desk:http',
      data: { title: 'Big', summary: 'short' },
      padding: 'x'.repeat(200 * 1024),
    });
    const res = await post('h9', body, { query: '?wait=10' });
    expect(res.status).toBe(201);
  });

  it('refuses 256 KiB + 1 with a clean 413', async () => {
    const head = JSON.stringify(opened('h10-a')).slice(0, -1) + ',"padding":"';
    const body = head + 'x'.repeat(256 * 1024 + 1 - head.length - 2) + '"}';
    expect(Buffer.byteLength(body)).toBe(256 * 1024 + 1);
    const res = await post('h10', body);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'payload-too-large', message: 'a report is at most 262144 bytes' },
    });
  });

  it('logs a publisher that aborts mid-body as a warning, not an error', async () => {
    const seen = ingest.lines.length;
    const socket = net.connect(ingest.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const body = JSON.stringify(opened('h11-a'));
    socket.write(
      `POST /api/stories/h11/reports HTTP/1.1\r\nHost: ingest\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length + 100}\r\n\r\n${body}`,
    );
    // The first part of the body must have reached the route before the publisher goes.
    await expectEventually(() => expect(socket.bytesWritten).toBeGreaterThan(body.length));
    socket.destroy();
    const logged = () =>
      ingest.lines.slice(seen).flatMap((line) => {
        try {
          return [JSON.parse(line) as { level: number; msg: string; url?: string }];
        } catch {
          return [];
        }
      });
    await expectEventually(() =>
      expect(logged()).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'client aborted the request',
          url: '/api/stories/h11/reports',
        }),
      ),
    );
    expect(logged().filter((entry) => entry.level >= 50)).toEqual([]);
    expect(await (await getOutcome('h11-a')).json()).toMatchObject({ status: 'unknown' });
  });
});

describe('GET /api/reports/:reportId', () => {
  it('refuses a request without a valid publisher token with 401 and the error body', async () => {
    await post('g0', opened('g0-a'), { query: '?wait=10' });
    for (const token of ['', 'wrong']) {
      const res = await getOutcome('g0-a', token);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(UNAUTHORIZED);
    }
    expect((await getOutcome('g0-a')).status).toBe(200);
  });

  it('answers 400 with the field to a malformed report id', async () => {
    const res = await getOutcome('not%20an%20id');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'invalid',
        message: 'malformed report id',
        fields: [{ path: 'reportId', message: expect.any(String) }],
      },
    });
  });

  it('tells accepted, rejected and unknown apart', async () => {
    await post('g1', opened('g1-a'), { query: '?wait=10' });
    await post('g1', opened('g1-b'), { query: '?wait=10' });
    const get = (id: string) => getOutcome(id).then((r) => r.json());
    expect(await get('g1-a')).toMatchObject({
      reportId: 'g1-a',
      status: 'accepted',
      storyId: 'g1',
      version: 1,
    });
    expect(await get('g1-b')).toMatchObject({
      reportId: 'g1-b',
      status: 'rejected',
      code: 'story-exists',
    });
    expect(await get('nope')).toEqual({ reportId: 'nope', status: 'unknown' });
  });
});

describe('errors before any route runs', () => {
  it('answers an unknown route 404 with the error body', async () => {
    const res = await fetch(`${ingest.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not-found', message: 'Cannot GET /api/nothing-here' },
    });
  });

  it('answers a header too large for Node 431 with the error body', async () => {
    const res = await fetch(`${ingest.url}/health`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      error: { code: 'header-too-large', message: 'the request headers are too large' },
    });
  });

  it('answers a malformed request line 400 with the error body', async () => {
    const socket = net.connect(ingest.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('NOT HTTP AT ALL\r\n\r\n');
    await closed;
    const [head, body] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toContain('Content-Type: application/json; charset=utf-8');
    expect(JSON.parse(body)).toEqual({
      error: { code: 'invalid', message: 'malformed HTTP request' },
    });
  });
});

describe('while JetStream is unreachable', () => {
  let proxy: TcpProxy | undefined;
  let cutOff: AppProcess | undefined;
  afterEach(async () => {
    await cutOff?.stop();
    await proxy?.cut();
  });

  it('answers a report 503 unavailable with Retry-After, so the publisher retries', async () => {
    proxy = new TcpProxy(Number(new URL(world.env.NATS_URL).port || 4222));
    await proxy.start();
    cutOff = await startApp('ingest', {
      ...world.env,
      NATS_URL: `nats://127.0.0.1:${proxy.port}`,
      LIVEFEED_PUBLISH_TOKENS: TOKEN,
    });
    await proxy.cut();
    const res = await fetch(`${cutOff.url}/api/stories/n1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(opened('n1-a')),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      error: { code: 'unavailable', message: 'JetStream did not take the report, retry later' },
    });
  });
});

describe('operations', () => {
  it('answers /health with 200 and detail while NATS and PostgreSQL are up', async () => {
    const res = await fetch(`${ingest.url}/health`);
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toMatch(/postgres.*nats|nats.*postgres/);
  });

  it('serves Prometheus metrics', async () => {
    const text = await fetch(`${ingest.url}/metrics`).then((r) => r.text());
    for (const name of [
      'livefeed_reports_received_total',
      'livefeed_reports_accepted_total',
      'livefeed_ingest_batch_size',
      'livefeed_ingest_commit_seconds',
      'livefeed_consumer_pending',
    ]) {
      expect(text).toContain(name);
    }
  });
});
