import { fold, type StoryEvent, type StoryState } from '@livefeed/domain';
import { expectEventually, GatewayHarness, r } from './gateway.harness';

jest.setTimeout(60_000);

/** Snapshots every 10 events, and a catch-up limit of 50: small stories reach both. */
const EVERY = 10;

describe('history: time travel from snapshots and entry history', () => {
  let h: GatewayHarness;
  let base: string;
  const get = (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);
  let long: StoryEvent[];

  beforeAll(async () => {
    h = await GatewayHarness.open();
    await h.startGateway(
      { LIVEFEED_SNAPSHOT_EVERY: String(EVERY), LIVEFEED_GATEWAY_CACHE_EVENTS: '0' },
      { catchUpMax: 50 },
    );
    base = h.url();
    long = await h.story('long', 249, { title: 'Long' });
    await h.commit([
      r.opened('told'),
      r.posted('told', 'e1', { body: '<p>first <script>x()</script></p>' }),
      r.posted('told', 'other'),
      r.edited('told', 'e1', '<p>second</p>', 'a typo'),
      r.pinned('told', 'e1'),
      r.retracted('told', 'e1', 'not true'),
    ]);
    await h.commit([r.opened('secret', { visibility: 'private' }), r.posted('secret', 'e1')]);
  });

  afterAll(async () => {
    await h.close();
  });

  const snapshots = async (storyId: string) =>
    (
      await h.store.dataSource.query<{ version: number }[]>(
        'SELECT version FROM story_snapshots WHERE story_id = $1 ORDER BY version',
        [storyId],
      )
    ).map((row) => row.version);

  describe('GET /api/stories/:id?at=', () => {
    it('answers from snapshots it writes on the way, the same state as the fold from version 1', async () => {
      expect(await snapshots('long')).toEqual([]);
      const res = await get('/api/stories/long?at=123');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(fold(long.slice(0, 123)));
      expect(await snapshots('long')).toEqual(
        Array.from({ length: 12 }, (_, i) => (i + 1) * EVERY),
      );
      const instant = long[199].recordedAt;
      const atInstant = (await (await get(`/api/stories/long?at=${instant}`)).json()) as StoryState;
      expect(atInstant.version).toBe(250);
      expect(await snapshots('long')).toHaveLength(25);
    });
  });

  describe('socket.io snapshots at the cursor', () => {
    it('sends a reader more than the catch-up limit behind the state at the cursor, read by stateAt', async () => {
      const first = await h.reader();
      expect(await first.subscribe('long')).toMatchObject({ ok: true, version: 250 });
      const more = await h.commit(h.posts('long', 249, 100));
      await expectEventually(() => expect(first.holds('long')).toBe(350));
      const before = await h.metric('livefeed_gateway_database_reads_total{query="state-at"}');
      const late = await h.reader();
      expect(await late.subscribe('long', 10)).toMatchObject({ ok: true, version: 350 });
      await expectEventually(() => expect(late.of('long')).toHaveLength(1));
      const [snapshot] = late.of('long');
      expect(snapshot).toMatchObject({ kind: 'snapshot', version: 350 });
      if (snapshot.kind === 'snapshot') expect(snapshot.story).toEqual(fold([...long, ...more]));
      expect(await h.metric('livefeed_gateway_database_reads_total{query="state-at"}')).toBe(
        before + 1,
      );
    });
  });

  describe('GET /api/stories/:id/entries/:entryId/history', () => {
    it('lists every event that touched the entry, oldest first, with its body after each', async () => {
      const res = await get('/api/stories/told/entries/e1/history');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const body = (await res.json()) as { revisions: Record<string, unknown>[] };
      const common = {
        author: 'desk:test',
        occurredAt: expect.any(String),
        recordedAt: expect.any(String),
      };
      expect(body).toEqual({
        storyId: 'told',
        entryId: 'e1',
        revisions: [
          {
            version: 2,
            type: 'entry.posted',
            body: '<p>first </p>',
            correction: null,
            reason: null,
            ...common,
          },
          {
            version: 4,
            type: 'entry.edited',
            body: '<p>second</p>',
            correction: 'a typo',
            reason: null,
            ...common,
          },
          {
            version: 5,
            type: 'entry.pinned',
            body: '<p>second</p>',
            correction: null,
            reason: null,
            ...common,
          },
          {
            version: 6,
            type: 'entry.retracted',
            body: null,
            correction: null,
            reason: 'not true',
            ...common,
          },
        ],
      });
    });

    it('answers 404 in the one error body for an unknown story or entry', async () => {
      const story = await get('/api/stories/nobody/entries/e1/history');
      expect(story.status).toBe(404);
      expect(await story.json()).toEqual({
        error: { code: 'not-found', message: 'story nobody does not exist' },
      });
      const entry = await get('/api/stories/told/entries/e9/history');
      expect(entry.status).toBe(404);
      expect(await entry.json()).toEqual({
        error: { code: 'not-found', message: 'entry e9 does not exist in story told' },
      });
    });

    it('needs a grant for a private story, as every read route does, before saying anything', async () => {
      for (const entry of ['e1', 'e9']) {
        const denied = await get(`/api/stories/secret/entries/${entry}/history`);
        expect(denied.status).toBe(403);
        expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      }
      const other = h.token({ stories: ['told'] });
      expect(
        (
          await get('/api/stories/secret/entries/e1/history', {
            headers: { authorization: `Bearer ${other}` },
          })
        ).status,
      ).toBe(403);
      const token = h.token({ stories: ['secret'] });
      const granted = await get('/api/stories/secret/entries/e1/history', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(granted.status).toBe(200);
      expect(granted.headers.get('cache-control')).toBe('private, no-cache');
      expect(granted.headers.get('vary')).toMatch(/Authorization/i);
      expect((await granted.json()) as unknown).toMatchObject({ revisions: [{ version: 2 }] });
      expect((await get(`/api/stories/secret/entries/e1/history?token=${token}`)).status).toBe(200);
      expect((await get(`/api/stories/secret/entries/e9/history?token=${token}`)).status).toBe(404);
    });

    it.each([
      ['an entry id with dots', '/api/stories/told/entries/e1..x/history', 'entryId'],
      ['an entry id with a slash', '/api/stories/told/entries/e1%2Fx/history', 'entryId'],
      ['an entry id with a quote', "/api/stories/told/entries/e1'--/history", 'entryId'],
      ['an entry id with a NUL', '/api/stories/told/entries/e1%00/history', 'entryId'],
      [
        'an entry id beyond 64 characters',
        `/api/stories/told/entries/${'e'.repeat(65)}/history`,
        'entryId',
      ],
      ['a non-ASCII entry id', '/api/stories/told/entries/%C3%A9/history', 'entryId'],
      ['a malformed story id', '/api/stories/Told/entries/e1/history', 'id'],
      ['an unknown parameter', '/api/stories/told/entries/e1/history?limit=1', 'limit'],
      ['a repeated token', '/api/stories/told/entries/e1/history?token=a&token=b', 'token'],
    ])('refuses %s with a 400 naming it', async (_what, path, field) => {
      const res = await get(path);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; fields: { path: string }[] } };
      expect(body.error.code).toBe('invalid');
      expect(body.error.fields.map((f) => f.path)).toEqual([field]);
    });
  });
});
