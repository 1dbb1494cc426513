import { fold, type Report, type StoryEvent } from '@livefeed/domain';
import type { BatchResult } from '../event-store.types';
import { lockStoriesSql } from './batch.commit';
import {
  at,
  countRows,
  DEFER_UNKNOWN,
  items,
  nextId,
  openTestStore,
  r,
  type TestStore,
} from '../testing/store.fixture';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.close());

const NOW = at(3600);

async function commitEach(reports: readonly Report[]): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const report of reports) results.push(...(await t.store.commitBatch(items([report]), NOW)));
  return results;
}

async function expectProjectionEqualsLog(storyId: string): Promise<void> {
  const events = await t.store.readEvents(storyId, 0, 10_000);
  expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
  expect(await t.store.getStory(storyId)).toEqual(fold(events));
}

/** A story that goes through every report type, some at the same instant. */
function everyReportType(story: string): Report[] {
  return [
    r.opened(story, { summary: 'What we know', visibility: 'private' }, { occurredAt: at(0) }),
    r.updated(story, { title: 'Renamed' }, { occurredAt: at(1) }),
    r.posted(
      story,
      'e1',
      { sources: [{ name: 'Wire', url: 'https://wire.example/1?a=1&b=2' }, { name: 'Ministry' }] },
      { occurredAt: at(10) },
    ),
    r.posted(story, 'e2', { kind: 'breaking', source: { name: 'Agency' } }, { occurredAt: at(10) }),
    r.posted(story, 'e3', { kind: 'statement' }, { occurredAt: at(5) }),
    r.edited(story, 'e1', '<p>e1 fixed</p>', 'Spelling of a name', { occurredAt: at(20) }),
    r.edited(story, 'e1', '<p>e1 fixed again</p>', undefined, { occurredAt: at(21) }),
    r.edited(story, 'e1', '<p>e1 fixed again</p>', 'Second note', { occurredAt: at(22) }),
    r.pinned(story, 'e2', { occurredAt: at(30) }),
    r.unpinned(story, 'e2', { occurredAt: at(31) }),
    r.pinned(story, 'e1', { occurredAt: at(32) }),
    r.retracted(story, 'e1', 'Could not be verified', { occurredAt: at(40) }),
    r.figure(story, 'deaths', 'Ministry', 10, {}, { occurredAt: at(50) }),
    r.figure(
      story,
      'deaths',
      'Red Cross',
      12,
      { qualifier: 'at-least', unit: 'people', label: 'Killed' },
      { occurredAt: at(51) },
    ),
    r.figure(
      story,
      'deaths',
      'Ministry',
      11.5,
      { qualifier: 'approximately' },
      { occurredAt: at(52) },
    ),
    r.figure(story, 'injured', 'Ministry', 0, {}, { occurredAt: at(53) }),
    r.closed(story, { occurredAt: at(60) }),
    r.reopened(story, { occurredAt: at(61) }),
    r.updated(story, { summary: 'Updated summary' }, { occurredAt: at(62) }),
  ];
}

describe('commitBatch', () => {
  it('projects every report type as evolve does, one report per batch', async () => {
    const results = await commitEach(everyReportType('every-type'));

    expect(results.map((x) => x.kind)).toEqual(Array(19).fill('accepted'));
    await expectProjectionEqualsLog('every-type');
    const story = await t.store.getStory('every-type');
    expect(story).toMatchObject({
      title: 'Renamed',
      summary: 'Updated summary',
      status: 'live',
      visibility: 'private',
      version: 19,
      openedAt: at(0),
      updatedAt: at(62),
    });
    // Newest first; e1 and e2 tie on postedAt, so the later post (e2) comes first.
    expect(story?.entries.map((e) => e.entryId)).toEqual(['e2', 'e1', 'e3']);
    expect(story?.entries[1]).toEqual({
      entryId: 'e1',
      kind: 'update',
      body: null,
      author: 'desk:test',
      sources: [{ name: 'Wire', url: 'https://wire.example/1?a=1&b=2' }, { name: 'Ministry' }],
      source: { name: 'Wire', url: 'https://wire.example/1?a=1&b=2' },
      postedAt: at(10),
      editedAt: at(22),
      corrections: [
        { note: 'Spelling of a name', at: at(20) },
        { note: 'Second note', at: at(22) },
      ],
      pinned: false,
      retracted: { reason: 'Could not be verified', at: at(40) },
    });
    expect(story?.figures).toEqual([
      {
        figureId: 'deaths',
        label: 'Figure deaths',
        unit: null,
        bySource: [
          {
            source: { name: 'Ministry' },
            value: 11.5,
            qualifier: 'approximately',
            reportedAt: at(52),
          },
          { source: { name: 'Red Cross' }, value: 12, qualifier: 'at-least', reportedAt: at(51) },
        ],
      },
      {
        figureId: 'injured',
        label: 'Figure injured',
        unit: null,
        bySource: [
          { source: { name: 'Ministry' }, value: 0, qualifier: 'exact', reportedAt: at(53) },
        ],
      },
    ]);
  });

  it('decides a whole story in one batch exactly as report by report', async () => {
    const results = await t.store.commitBatch(items(everyReportType('one-batch')), NOW);

    expect(results.map((x) => x.kind)).toEqual(Array(19).fill('accepted'));
    await expectProjectionEqualsLog('one-batch');
    const [single, batched] = await Promise.all([
      t.store.getStory('every-type'),
      t.store.getStory('one-batch'),
    ]);
    expect({ ...batched, id: 'every-type' }).toEqual(single);
  });

  it('records rejections with their codes and leaves the story alone', async () => {
    const s = 'rejections';
    const reports = [
      r.updated(s, { title: 'x' }),
      r.opened(s),
      r.opened(s),
      r.posted(s, 'e1'),
      r.posted(s, 'e1'),
      r.edited(s, 'e9', '<p>x</p>'),
      r.pinned(s, 'e1'),
      r.pinned(s, 'e1'),
      r.retracted(s, 'e1'),
      r.edited(s, 'e1', '<p>x</p>'),
      r.closed(s),
      r.posted(s, 'e2'),
      r.figure(s, 'f', 'a', 1),
      r.closed(s),
    ];
    const results = await t.store.commitBatch(items(reports), NOW);

    expect(results.map((x) => (x.kind === 'rejected' ? x.rejection.code : x.kind))).toEqual([
      'unknown-story',
      'accepted',
      'story-exists',
      'accepted',
      'entry-exists',
      'unknown-entry',
      'accepted',
      'no-change',
      'accepted',
      'entry-retracted',
      'accepted',
      'story-closed',
      'story-closed',
      'story-closed',
    ]);
    expect(await t.store.storyVersion(s)).toBe(5);
    expect(await t.store.getOutcome(reports[5].id)).toEqual({
      reportId: reports[5].id,
      status: 'rejected',
      storyId: s,
      code: 'unknown-entry',
      message: 'entry e9 does not exist in story rejections',
    });
    expect(await t.store.getOutcome(reports[6].id)).toEqual({
      reportId: reports[6].id,
      status: 'accepted',
      storyId: s,
      version: 3,
    });
    await expectProjectionEqualsLog(s);
  });

  describe('when a report id was decided before', () => {
    it('answers a repeat inside the batch with the first outcome', async () => {
      const open = r.opened('dup-in-batch');
      const post = r.posted('dup-in-batch', 'e1');
      const bad = r.closed('dup-nowhere');
      const results = await t.store.commitBatch(items([open, post, open, bad, post, bad]), NOW);

      expect(results[2]).toEqual({ ...results[0], duplicate: true });
      expect(results[4]).toEqual({ ...results[1], duplicate: true });
      expect(results[5]).toEqual({ ...results[3], duplicate: true });
      expect(results[3]).toMatchObject({ kind: 'rejected', duplicate: false });
      expect(await t.store.storyVersion('dup-in-batch')).toBe(2);
    });

    it('answers a later batch with the original event, to publish again', async () => {
      const open = r.opened('dup-later');
      const post = r.posted('dup-later', 'e1');
      const bad = r.pinned('dup-later', 'nope');
      const first = await t.store.commitBatch(items([open, post, bad]), NOW);
      const events = await countRows(t.dataSource, 'events');

      // Same ids, even with different content: the first outcome stands.
      const again = await t.store.commitBatch(
        items([post, { ...open, data: { ...open.data, title: 'Other' } } as Report, bad]),
        at(9999),
      );

      expect(again).toEqual([
        { ...first[1], duplicate: true },
        { ...first[0], duplicate: true },
        { ...first[2], duplicate: true },
      ]);
      expect(await countRows(t.dataSource, 'events')).toBe(events);
    });
  });

  describe('when an edit arrives before its entry', () => {
    it('defers it and records nothing, so the retry can still be accepted', async () => {
      const s = 'deferred';
      await t.store.commitBatch(items([r.opened(s)]), NOW);
      const edit = r.edited(s, 'e1', '<p>new</p>');
      const [outcomes, events] = [
        await countRows(t.dataSource, 'report_outcomes'),
        await countRows(t.dataSource, 'events'),
      ];

      const [deferred] = await t.store.commitBatch(items([edit]), NOW, DEFER_UNKNOWN);

      expect(deferred).toEqual({
        kind: 'deferred',
        rejection: {
          reportId: edit.id,
          storyId: s,
          code: 'unknown-entry',
          message: `entry e1 does not exist in story ${s}`,
        },
      });
      expect(await countRows(t.dataSource, 'report_outcomes')).toBe(outcomes);
      expect(await countRows(t.dataSource, 'events')).toBe(events);
      expect(await t.store.getOutcome(edit.id)).toBeNull();

      const later = await t.store.commitBatch(items([r.posted(s, 'e1'), edit]), NOW, DEFER_UNKNOWN);
      expect(later.map((x) => x.kind)).toEqual(['accepted', 'accepted']);
      await expectProjectionEqualsLog(s);
    });

    it('decides a repeat of a deferred report once its entry exists in the same batch', async () => {
      const s = 'deferred-repeat';
      const edit = r.edited(s, 'e1', '<p>new</p>');
      const results = await t.store.commitBatch(
        items([r.opened(s), edit, r.posted(s, 'e1'), edit]),
        NOW,
        DEFER_UNKNOWN,
      );

      expect(results.map((x) => x.kind)).toEqual(['accepted', 'deferred', 'accepted', 'accepted']);
      expect(results[3]).toMatchObject({ duplicate: false, event: { version: 3 } });
    });

    it("defers a report that overtook its story's opening, the same way", async () => {
      const s = 'deferred-story';
      const post = r.posted(s, 'e1');
      expect(await t.store.commitBatch(items([post]), NOW, DEFER_UNKNOWN)).toMatchObject([
        { kind: 'deferred', rejection: { code: 'unknown-story' } },
      ]);
      expect(await t.store.getOutcome(post.id)).toBeNull();
      expect(
        await t.store.commitBatch(items([r.opened(s), post]), NOW, DEFER_UNKNOWN),
      ).toMatchObject([{ kind: 'accepted' }, { kind: 'accepted', event: { version: 2 } }]);
    });

    it('records the rejection when the caller no longer defers', async () => {
      const s = 'not-deferred';
      await t.store.commitBatch(items([r.opened(s)]), NOW);
      const edit = r.edited(s, 'e1', '<p>new</p>');
      const [result] = await t.store.commitBatch(items([edit]), NOW);
      expect(result).toMatchObject({
        kind: 'rejected',
        duplicate: false,
        rejection: { code: 'unknown-entry' },
      });
      expect(await t.store.getOutcome(edit.id)).toMatchObject({
        status: 'rejected',
        code: 'unknown-entry',
      });
    });
  });

  describe('atomicity', () => {
    it.each(['afterDecide', 'afterAppend'] as const)(
      'writes nothing when the process dies at %s',
      async (hook) => {
        const crashing = await t.connect({
          [hook]: () => {
            throw new Error('crash');
          },
        });
        const before = await Promise.all(
          ['events', 'stories', 'entries', 'report_outcomes'].map((x) =>
            countRows(t.dataSource, x),
          ),
        );
        const reports = [
          r.opened(`crash-${hook.toLowerCase()}`),
          r.posted(`crash-${hook.toLowerCase()}`, 'e1'),
          r.closed('nowhere'),
        ];

        await expect(crashing.store.commitBatch(items(reports), NOW)).rejects.toThrow('crash');

        const after = await Promise.all(
          ['events', 'stories', 'entries', 'report_outcomes'].map((x) =>
            countRows(t.dataSource, x),
          ),
        );
        expect(after).toEqual(before);
        expect(await t.store.commitBatch(items(reports), NOW)).toMatchObject([
          { kind: 'accepted' },
          { kind: 'accepted' },
          { kind: 'rejected' },
        ]);
      },
    );
  });

  it('keeps instants to the millisecond, whatever offset the report used', async () => {
    const s = 'instants';
    const results = await t.store.commitBatch(
      items([
        r.opened(s, {}, { occurredAt: '2026-11-24T10:15:00.123+02:00' }),
        r.posted(s, 'e1', {}, { occurredAt: '2026-11-24T08:15:01Z' }),
      ]),
      '2026-11-24T08:20:00.412Z',
    );
    const [opened, posted] = results.map((x) => (x.kind === 'accepted' ? x.event : undefined));

    expect(opened).toMatchObject({
      occurredAt: '2026-11-24T08:15:00.123Z',
      recordedAt: '2026-11-24T08:20:00.412Z',
    });
    expect(posted).toMatchObject({ occurredAt: '2026-11-24T08:15:01.000Z' });
    expect(await t.store.readEvents(s, 0, 10)).toEqual([opened, posted]);
    expect(await t.store.getStory(s)).toMatchObject({
      openedAt: '2026-11-24T08:15:00.123Z',
      updatedAt: '2026-11-24T08:15:01.000Z',
      entries: [{ postedAt: '2026-11-24T08:15:01.000Z' }],
    });
  });

  it('stores text PostgreSQL finds awkward and reads back what was published', async () => {
    const s = 'awkward-text';
    const tricky = `Quote " apostrophe ' backslash \\ dollar $1 %s {"json": [1]} \u00e9\u4e2d\u{1F600} \u2028 '); DROP TABLE events; --`;
    const results = await t.store.commitBatch(
      items([
        r.opened(s, { title: tricky, summary: '' }),
        r.posted(s, 'e1', {
          body: `<p>${tricky}</p>`,
          sources: [{ name: tricky, url: 'https://x.example/?q="a"&r=\\' }, { name: '[]{}' }],
        }),
        r.posted(s, 'e2', { body: '<p>nul\u0000 and lone \ud800 surrogate</p>' }),
        r.figure(s, 'f', tricky.slice(0, 200), 0.1 + 0.2, { unit: `" ' \\ $1 \u{1F600}` }),
        r.figure(s, 'g', 'tiny', 5e-324),
        r.figure(s, 'h', 'huge', 1.7976931348623157e308),
      ]),
      NOW,
    );
    const published = results.map((x) => (x.kind === 'accepted' ? x.event : x));

    expect(results.every((x) => x.kind === 'accepted')).toBe(true);
    expect(await t.store.readEvents(s, 0, 10)).toEqual(published);
    expect(JSON.stringify((published[2] as StoryEvent).data)).not.toMatch(/\\u0000|\\ud800/);
    const story = await t.store.getStory(s);
    expect(story?.title).toBe(tricky);
    expect(story?.figures.map((f) => f.bySource[0].value)).toEqual([
      0.1 + 0.2,
      5e-324,
      1.7976931348623157e308,
    ]);
    await expectProjectionEqualsLog(s);
  });
});

describe('recordRejection', () => {
  const rejection = (reportId: string) => ({
    reportId,
    storyId: 'somewhere',
    code: 'invalid' as const,
    message: 'data.title: required',
  });

  it('records an invalid report once; a repeat gets the first rejection back', async () => {
    const id = nextId('invalid');
    expect(
      await t.store.recordRejection(
        { ...rejection(id), fields: { 'data.title': 'required' } },
        NOW,
      ),
    ).toEqual({
      duplicate: false,
      first: { ...rejection(id), fields: { 'data.title': 'required' } },
    });
    expect(await t.store.recordRejection({ ...rejection(id), message: 'other' }, NOW)).toEqual({
      duplicate: true,
      first: rejection(id),
    });
    expect(await t.store.getOutcome(id)).toEqual({ ...rejection(id), status: 'rejected' });
  });

  it('keeps an acceptance when the same id comes back invalid', async () => {
    const open = r.opened('accepted-then-invalid');
    const [accepted] = await t.store.commitBatch(items([open]), NOW);

    const recorded = await t.store.recordRejection(rejection(open.id), NOW);

    expect(recorded).toEqual({
      duplicate: true,
      first: { accepted: (accepted as { event: StoryEvent }).event },
    });
    expect(await t.store.getOutcome(open.id)).toMatchObject({ status: 'accepted', version: 1 });
  });

  it('makes a later valid report with that id a duplicate of the rejection', async () => {
    const open = r.opened('invalid-then-valid');
    await t.store.recordRejection(rejection(open.id), NOW);

    const [result] = await t.store.commitBatch(items([open]), NOW);

    expect(result).toEqual({ kind: 'rejected', rejection: rejection(open.id), duplicate: true });
    expect(await t.store.getStory('invalid-then-valid')).toBeNull();
  });
});

describe('the story locks sent with BEGIN', () => {
  it('take one lock per story, whatever the ids hold, and run nothing else', async () => {
    const hostile = ["a'b", 'c\\d', "x'); DROP TABLE events; --", 'plain', 'plain'];
    const locked = await t.dataSource.transaction(async (manager) => {
      await manager.query(lockStoriesSql(hostile));
      const rows = await manager.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`,
      );
      return Number(rows[0].n);
    });
    expect(locked).toBe(4);
    const [table] = await t.dataSource.query<Array<{ name: string | null }>>(
      `SELECT to_regclass('events')::text AS name`,
    );
    expect(table.name).toBe('events');
  });
});
