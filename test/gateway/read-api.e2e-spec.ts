import { GatewayHarness, r } from './gateway.harness';

jest.setTimeout(60_000);

describe('the read API', () => {
  let h: GatewayHarness;
  let base: string;
  const get = (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);

  beforeAll(async () => {
    h = await GatewayHarness.open();
    await h.startGateway();
    base = h.url();
    await h.story('alpha', 2, { title: 'Alpha' });
    await h.commit([r.updated('alpha', { title: 'Alpha, renamed' })]);
    await h.story('beta', 250, { title: 'Beta' });
    await h.commit([r.closed('beta')]);
    await h.story('gamma', 0, { title: 'Gamma' });
    await h.story('hidden', 1, { title: 'Hidden', visibility: 'private' });
  });

  afterAll(async () => {
    await h.close();
  });

  it('lists public stories, live first, newest update first', async () => {
    const res = await get('/api/stories');
    expect(res.status).toBe(200);
    const list = (await res.json()) as {
      id: string;
      status: string;
      visibility: string;
      version: number;
    }[];
    expect(list.map((s) => s.id)).toEqual(['gamma', 'alpha', 'beta']);
    expect(list[1]).toMatchObject({
      id: 'alpha',
      title: 'Alpha, renamed',
      status: 'live',
      visibility: 'public',
      version: 4,
    });
    expect(list[2]).toMatchObject({ status: 'closed' });
  });

  it('serves a story state, and 404 for an unknown story', async () => {
    const res = await get('/api/stories/alpha');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: 'alpha',
      title: 'Alpha, renamed',
      version: 4,
      entries: [{ entryId: 'e2' }, { entryId: 'e1' }],
    });
    const unknown = await get('/api/stories/nobody-here');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { code: 'not-found', message: 'story nobody-here does not exist' },
    });
  });

  it('travels in time by version and by instant', async () => {
    const byVersion = await get('/api/stories/alpha?at=2');
    expect(byVersion.status).toBe(200);
    expect(await byVersion.json()).toMatchObject({
      version: 2,
      title: 'Alpha',
      entries: [{ entryId: 'e1' }],
    });
    expect(byVersion.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const events = (await (await get('/api/stories/alpha/events')).json()) as {
      events: { version: number; recordedAt: string }[];
    };
    const third = events.events[2];
    const atInstant = await get(`/api/stories/alpha?at=${encodeURIComponent(third.recordedAt)}`);
    expect(atInstant.status).toBe(200);
    expect(((await atInstant.json()) as { version: number }).version).toBeGreaterThanOrEqual(3);

    expect((await get('/api/stories/alpha?at=1999-01-01T00:00:00Z')).status).toBe(404);
    expect((await get('/api/stories/alpha?at=0')).status).toBe(404);
  });

  it('pages through history with immutable full pages and a no-cache head page', async () => {
    const first = await get('/api/stories/beta/events?after=0&limit=100');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { events: { version: number }[]; next: number | null };
    expect(page1.events.map((e) => e.version)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    expect(page1.next).toBe(100);
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const last = await get('/api/stories/beta/events?after=200&limit=100');
    const page3 = (await last.json()) as { events: { version: number }[]; next: number | null };
    expect(page3.events.map((e) => e.version)).toEqual(
      Array.from({ length: 52 }, (_, i) => i + 201),
    );
    expect(page3.next).toBeNull();
    expect(last.headers.get('cache-control')).toBe('no-cache');

    const exact = (await (await get('/api/stories/beta/events?after=152&limit=100')).json()) as {
      next: number | null;
    };
    expect(exact.next).toBeNull();

    const byDefault = (await (await get('/api/stories/beta/events')).json()) as {
      events: unknown[];
      next: number;
    };
    expect(byDefault.events).toHaveLength(100);
    expect(byDefault.next).toBe(100);
    const max = (await (await get('/api/stories/beta/events?limit=1000')).json()) as {
      events: unknown[];
    };
    expect(max.events).toHaveLength(252);
  });

  it.each([
    ['a repeated parameter', '/api/stories/beta/events?after=1&after=2'],
    ['a bracketed parameter', '/api/stories/beta/events?after[$gt]=0'],
    ['a nested object', '/api/stories/beta/events?after[gt]=0&limit=5'],
    ['a negative number', '/api/stories/beta/events?after=-1'],
    ['a fraction', '/api/stories/beta/events?limit=2.5'],
    ['a huge number', '/api/stories/beta/events?after=1e308'],
    ['a limit over 1000', '/api/stories/beta/events?limit=1001'],
    ['a zero limit', '/api/stories/beta/events?limit=0'],
    ['an empty value', '/api/stories/beta/events?after='],
    ['an unknown parameter', '/api/stories/beta/events?offset=3'],
    ['a repeated at', '/api/stories/beta?at=1&at=2'],
    ['an instant without a zone', '/api/stories/beta?at=2026-11-24T08:00:00'],
    ['a word for at', '/api/stories/beta?at=yesterday'],
    ['a bad story id', '/api/stories/Not_An_Id'],
    ['a bad story id on events', '/api/stories/-x/events'],
    ['a repeated token', '/api/stories/beta?token=a&token=b'],
  ])('answers 400 to %s', async (_name, path) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      error: {
        code: 'invalid',
        message: expect.any(String),
        fields: [{ path: expect.any(String), message: expect.any(String) }],
      },
    });
  });

  describe('the edges of what the store holds', () => {
    const at = (value: string) => `/api/stories/alpha?at=${encodeURIComponent(value)}`;
    const FIELD_OF_INSTANT = {
      path: 'at',
      message: 'an instant is from 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z in UTC',
    };

    it.each([
      ['at the last version 2^31-1', at('2147483647'), 200],
      ['at the first instant', at('0001-01-01T00:00:00Z'), 404],
      ['at the first instant, at +01:00', at('0001-01-01T01:00:00+01:00'), 404],
      ['at the last instant', at('9999-12-31T23:59:59.999Z'), 200],
      ['at the last instant, at -01:00', at('9999-12-31T22:59:59.999-01:00'), 200],
      ['events after the last version 2^31-1', '/api/stories/alpha/events?after=2147483647', 200],
    ])('answers %s', async (_name, path, status) => {
      expect((await get(path)).status).toBe(status);
    });

    it('answers the head at the last version, and an empty page after it', async () => {
      expect(await (await get(at('2147483647'))).json()).toMatchObject({ id: 'alpha', version: 4 });
      expect(await (await get('/api/stories/alpha/events?after=2147483647')).json()).toEqual({
        events: [],
        next: null,
      });
    });

    it.each([
      [
        'at version 2^31',
        at('2147483648'),
        { path: 'at', message: 'a version is at most 2147483647' },
      ],
      [
        'events after version 2^31',
        '/api/stories/alpha/events?after=2147483648',
        { path: 'after', message: 'must be at most 2147483647' },
      ],
      ['just before the first instant', at('0000-12-31T23:59:59.999Z'), FIELD_OF_INSTANT],
      ['the first instant given at +01:00', at('0001-01-01T00:00:00+01:00'), FIELD_OF_INSTANT],
      [
        'just before the first instant, at +01:00',
        at('0001-01-01T00:59:59.999+01:00'),
        FIELD_OF_INSTANT,
      ],
      ['the last instant given at -01:00', at('9999-12-31T23:59:59-01:00'), FIELD_OF_INSTANT],
      ['just after the last instant, at -01:00', at('9999-12-31T23:00:00-01:00'), FIELD_OF_INSTANT],
    ])('answers 400 to %s, without asking the store', async (_name, path, field) => {
      const reads = await h.metric('livefeed_gateway_database_reads_total');
      const res = await get(path);
      expect(res.status).toBe(400);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(await res.json()).toEqual({
        error: { code: 'invalid', message: 'invalid query parameters', fields: [field] },
      });
      expect(await h.metric('livefeed_gateway_database_reads_total')).toBe(reads);
    });
  });

  describe('errors before any route runs', () => {
    it('answers an unknown route 404 with the error body', async () => {
      const res = await get('/api/nothing/here');
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: { code: 'not-found', message: 'Cannot GET /api/nothing/here' },
      });
    });

    it('answers a header too large for Node 431 with the error body', async () => {
      const res = await get('/api/stories', { headers: { 'x-big': 'a'.repeat(20_000) } });
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toEqual({
        error: { code: 'header-too-large', message: 'the request headers are too large' },
      });
    });

    it('answers a malformed JSON body 400 and one over the parser limit 413', async () => {
      const send = (body: string) =>
        get('/api/stories', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      const malformed = await send('{"a":');
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toEqual({
        error: { code: 'invalid', message: expect.any(String) },
      });
      const huge = await send(JSON.stringify({ a: 'x'.repeat(200 * 1024) }));
      expect(huge.status).toBe(413);
      expect(await huge.json()).toEqual({
        error: { code: 'payload-too-large', message: expect.any(String) },
      });
    });
  });

  it('never lets a bad story id reach a query', async () => {
    const before = await h.metric('livefeed_gateway_database_reads_total');
    for (const path of [
      '/api/stories/%20',
      '/api/stories/A',
      '/api/stories/x%00y/events',
      '/api/stories/..%2f..',
    ]) {
      const res = await get(path);
      expect([400, 404]).toContain(res.status);
    }
    expect(await h.metric('livefeed_gateway_database_reads_total')).toBe(before);
  });

  it('keeps private stories to token holders, by header or query parameter', async () => {
    const refused = await get('/api/stories/hidden');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: {
        code: 'forbidden',
        message: 'story hidden is private: a reader token granting it is required',
      },
    });
    expect((await get('/api/stories/hidden/events')).status).toBe(403);
    expect((await get('/api/stories/hidden?at=1')).status).toBe(403);
    const token = h.token({ stories: ['hidden'] }, undefined, { expiresIn: 60 });
    const byHeader = await get('/api/stories/hidden', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(byHeader.status).toBe(200);
    expect(byHeader.headers.get('cache-control')).toBe('private, no-cache');
    expect((await get(`/api/stories/hidden/events?token=${token}`)).status).toBe(200);
    const other = h.token({ stories: ['alpha'] });
    expect((await get(`/api/stories/hidden?token=${other}`)).status).toBe(403);
    const expired = h.token({ stories: ['hidden'], exp: Math.floor(Date.now() / 1000) - 10 });
    expect((await get(`/api/stories/hidden?token=${expired}`)).status).toBe(403);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ stories: ['hidden'] })}.`;
    expect(
      (await get('/api/stories/hidden', { headers: { authorization: `Bearer ${unsigned}` } }))
        .status,
    ).toBe(403);
    const forged = h.token({ stories: ['hidden'] }, 'some-other-secret-of-enough-length-0000');
    expect(
      (await get('/api/stories/hidden', { headers: { authorization: `Bearer ${forged}` } })).status,
    ).toBe(403);
    const list = (await (await get('/api/stories')).json()) as { id: string }[];
    expect(list.map((s) => s.id)).not.toContain('hidden');
  });

  it('serves the reader pages', async () => {
    const list = await get('/');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/text\/html/);
    const html = await list.text();
    expect(html).toContain('/stories/alpha');
    expect(html).toContain('Alpha, renamed');
    const page = await get('/stories/alpha');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/assets/reader.js" defer></script>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect((await get('/stories/NOT%20VALID')).status).toBe(404);
    // The page's SDK bundle (built with the apps: node libs/client/build.mjs), and nothing else.
    const bundle = await get('/assets/livefeed-client.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toContain('createLivefeedClient');
    expect((await get('/assets/..%2f..%2fpackage.json')).status).toBe(404);
    expect((await get('/assets/secret.txt')).status).toBe(404);
  });

  it('reports health and metrics', async () => {
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, nats: { status: 'up' } },
    });
    const metrics = await (await get('/metrics')).text();
    for (const name of [
      'livefeed_gateway_connected_sockets',
      'livefeed_gateway_subscriptions',
      'livefeed_gateway_deliveries_total',
      'livefeed_gateway_catchup_events',
      'livefeed_gateway_database_reads_total',
      'livefeed_gateway_publish_to_emit_seconds',
      'livefeed_gateway_slow_consumer_disconnects_total',
    ]) {
      expect(metrics).toContain(`# TYPE ${name}`);
    }
  });
});
