import { type AppProcess, startApp } from '../support/processes';
import { isolatedWorld } from '../support/livefeed';

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
const opened = (id: string, extra: object = {}) => ({
  id,
  type: 'story.opened',
  author: 'desk:http',
  data: { title: 'Over HTTP' },
  ...extra,
});

describe('POST /api/stories/:id/reports', () => {
  it('refuses a request without a valid publisher token with 401', async () => {
    expect((await post('h1', opened('h1-a'), { token: '' })).status).toBe(401);
    expect((await post('h1', opened('h1-a'), { token: 'wrong' })).status).toBe(401);
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
    const body = (await res.json()) as { fields: Record<string, string> };
    expect(Object.keys(body.fields)).toEqual(
      expect.arrayContaining(['author', 'data.entryId', 'data.body']),
    );
    expect((await fetch(`${ingest.url}/api/reports/h6-a`).then((r) => r.json())).status).toBe(
      'unknown',
    );
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
    expect((await post('h7', body)).status).toBe(400);
  });

  it('answers 400 to a malformed story id or wait', async () => {
    expect((await post('Not_Valid', opened('x'))).status).toBe(400);
    expect((await post('h8', opened('h8-a'), { query: '?wait=31' })).status).toBe(400);
    expect((await post('h8', opened('h8-a'), { query: '?wait=1&wait=2' })).status).toBe(400);
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
    expect(await res.json()).toMatchObject({ statusCode: 413 });
  });
});

describe('GET /api/reports/:reportId', () => {
  it('tells accepted, rejected and unknown apart', async () => {
    await post('g1', opened('g1-a'), { query: '?wait=10' });
    await post('g1', opened('g1-b'), { query: '?wait=10' });
    const get = (id: string) => fetch(`${ingest.url}/api/reports/${id}`).then((r) => r.json());
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
