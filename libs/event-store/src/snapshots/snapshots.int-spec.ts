import { decide, fold, STORY_STATE_SCHEMA, type StoryEvent } from '@livefeed/domain';
import { EventStore } from '../event-store';
import type { BatchResult, HistoryReadStats } from '../event-store.types';
import { createPool } from '../postgres/pool';
import { items, openTestStore, r, type TestStore } from '../testing/store.fixture';

const EVERY = 10;

let t: TestStore;
let store: EventStore;
const reads: HistoryReadStats[] = [];
beforeAll(async () => {
  t = await openTestStore();
  store = new EventStore(createPool(t.url), {
    decide,
    snapshotEvery: EVERY,
    onHistoryRead: (s) => reads.push(s),
  });
});
afterAll(async () => {
  await store.close();
  await t.close();
});

const eventsOf = (results: readonly BatchResult[]): StoryEvent[] =>
  results.flatMap((x) => (x.kind === 'accepted' ? [x.event] : []));

/** A story of `count` events: opened, then posts, an edit and a retraction now and then. */
async function story(id: string, count: number, at = '2026-11-24T10:00:00.000Z') {
  const reports = [r.opened(id)];
  for (let i = 1; reports.length < count; i += 1) {
    reports.push(r.posted(id, `e${i}`));
    if (reports.length < count && i % 3 === 0) reports.push(r.edited(id, `e${i}`, `<p>${i}!</p>`));
    if (reports.length < count && i % 7 === 0) reports.push(r.retracted(id, `e${i - 1}`));
  }
  return eventsOf(await store.commitBatch(items(reports), at));
}

interface Row {
  version: number;
  base_version: number;
  state_schema: number;
  state: unknown;
  entry_ids: string[];
}
const snapshotsOf = (id: string) =>
  t.dataSource.query<Row[]>(
    `SELECT version, base_version, state_schema, state, entry_ids FROM story_snapshots
      WHERE story_id = $1 ORDER BY version`,
    [id],
  );
const lastRead = () => reads[reads.length - 1];

describe('writing snapshots', () => {
  it('stores the folded state every N events, each chunk following the last', async () => {
    const events = await story('every-n', 35);
    expect(await store.writeSnapshots(['every-n'])).toBe(3);
    const rows = await snapshotsOf('every-n');
    expect(rows.map((s) => [s.base_version, s.version])).toEqual([
      [0, 10],
      [10, 20],
      [20, 30],
    ]);
    for (const row of rows) {
      expect(row.state_schema).toBe(STORY_STATE_SCHEMA);
      expect(row.state).toEqual(fold(events.slice(0, row.version)));
    }
    expect(rows[0].entry_ids.sort()).toEqual(
      [
        ...new Set(
          events.slice(0, 10).flatMap((e) => ('entryId' in e.data ? [e.data.entryId] : [])),
        ),
      ].sort(),
    );
  });

  it('writes nothing twice, however many writers run at once', async () => {
    await story('twice', 45);
    const other = new EventStore(createPool(t.url), { snapshotEvery: EVERY });
    try {
      const written = await Promise.all([
        store.writeSnapshots(['twice']),
        other.writeSnapshots(['twice', 'twice']),
        store.writeSnapshots(['twice']),
      ]);
      expect(written.reduce((a, b) => a + b, 0)).toBe(4);
      expect(await store.writeSnapshots(['twice'])).toBe(0);
      expect((await snapshotsOf('twice')).map((s) => s.version)).toEqual([10, 20, 30, 40]);
    } finally {
      await other.close();
    }
  });

  it('writes nothing for a story that is unknown or shorter than N', async () => {
    await story('short', 9);
    expect(await store.writeSnapshots(['short', 'no-such-story'])).toBe(0);
    expect(await store.writeSnapshots([])).toBe(0);
  });
});

describe('stateAt from snapshots', () => {
  let events: StoryEvent[];
  beforeAll(async () => {
    events = await story('lazy', 57);
  });

  it('writes the snapshots a lagging writer has not, then folds fewer than N events', async () => {
    expect(await store.stateAt('lazy', { version: 44 })).toEqual(fold(events.slice(0, 44)));
    expect(lastRead()).toMatchObject({ kind: 'state-at', fromSnapshot: 0, snapshotsWritten: 4 });
    for (const version of [1, 9, 10, 11, 29, 40, 44]) {
      expect(await store.stateAt('lazy', { version })).toEqual(fold(events.slice(0, version)));
      expect(lastRead()).toMatchObject({
        fromSnapshot: Math.floor(version / EVERY) * EVERY,
        snapshotsWritten: 0,
      });
      expect(lastRead().eventsFolded).toBeLessThan(EVERY);
    }
    // The head, past the last snapshot: the one at 50 is written on the way.
    expect(await store.stateAt('lazy', { version: 57 })).toEqual(fold(events));
    expect(lastRead()).toMatchObject({ fromSnapshot: 40, eventsFolded: 17, snapshotsWritten: 1 });
    expect((await snapshotsOf('lazy')).map((s) => s.version)).toEqual([10, 20, 30, 40, 50]);
    for (const version of [50, 56, 57, 58, 2 ** 31 - 1]) {
      expect(await store.stateAt('lazy', { version })).toEqual(
        fold(events.slice(0, Math.min(version, 57))),
      );
      expect(lastRead()).toMatchObject({ fromSnapshot: 50, snapshotsWritten: 0 });
      expect(lastRead().eventsFolded).toBeLessThanOrEqual(7);
    }
  });

  it('answers null before the story began and for a story it never had', async () => {
    expect(await store.stateAt('lazy', { version: 0 })).toBeNull();
    expect(await store.stateAt('no-such-story', { version: 30 })).toBeNull();
    expect(await store.stateAt('no-such-story', { instant: '2030-01-01T00:00:00Z' })).toBeNull();
  });

  it('ignores a snapshot written under another state schema, and rewrites it', async () => {
    const id = 'old-schema';
    const events = await story(id, 25);
    await store.writeSnapshots([id]);
    await t.dataSource.query(
      `UPDATE story_snapshots SET state_schema = $2, state = '{"title":"an older shape"}'
        WHERE story_id = $1 AND version = 20`,
      [id, STORY_STATE_SCHEMA - 1],
    );
    expect(await store.stateAt(id, { version: 23 })).toEqual(fold(events.slice(0, 23)));
    expect(lastRead()).toMatchObject({ fromSnapshot: 10, snapshotsWritten: 1 });
    const [, twenty] = await snapshotsOf(id);
    expect(twenty).toMatchObject({ version: 20, state_schema: STORY_STATE_SCHEMA });
    expect(twenty.state).toEqual(fold(events.slice(0, 20)));
  });

  it('never takes a snapshot of a newer schema for one to rewrite', async () => {
    const id = 'new-schema';
    const events = await story(id, 15);
    await t.dataSource.query(
      `INSERT INTO story_snapshots VALUES ($1, 10, 0, $2, '{"shape":"of tomorrow"}', now(), '{}')`,
      [id, STORY_STATE_SCHEMA + 1],
    );
    expect(await store.stateAt(id, { version: 15 })).toEqual(fold(events));
    const [row] = await snapshotsOf(id);
    expect(row).toMatchObject({
      state_schema: STORY_STATE_SCHEMA + 1,
      state: { shape: 'of tomorrow' },
    });
  });

  it('refuses a point in time that is not one', async () => {
    await expect(store.stateAt('lazy', { version: NaN })).rejects.toThrow(RangeError);
    await expect(store.stateAt('lazy', { instant: 'soon' })).rejects.toThrow(RangeError);
  });
});

describe('stateAt an instant, with clocks that disagree', () => {
  const id = 'skewed';
  let events: StoryEvent[];
  // One report per batch; the decision times go mostly forward, sometimes back (another worker).
  const offsets = Array.from({ length: 34 }, (_, i) => (i % 9 === 4 ? i - 3 : i) * 1000);
  const base = Date.parse('2026-11-24T12:00:00.000Z');
  const instant = (ms: number) => new Date(base + ms).toISOString();
  const expected = (ms: number) => {
    const seen = events.filter((e) => Date.parse(e.recordedAt) <= base + ms);
    return seen.length === 0
      ? null
      : fold(events.slice(0, Math.max(...seen.map((e) => e.version))));
  };

  beforeAll(async () => {
    events = [];
    const reports = [r.opened(id), ...Array.from({ length: 33 }, (_, i) => r.posted(id, `e${i}`))];
    for (const [i, report] of reports.entries())
      events.push(...eventsOf(await store.commitBatch(items([report]), instant(offsets[i]))));
    await store.writeSnapshots([id]);
  });

  it('answers after the last event recorded by then, in every chunk and after the last', async () => {
    for (let ms = -1000; ms <= 35_000; ms += 250) {
      expect(await store.stateAt(id, { instant: instant(ms) })).toEqual(expected(ms));
      expect(lastRead().eventsScanned).toBeLessThanOrEqual(3 * EVERY);
    }
  });

  it('still answers right when the chunks do not follow each other, by reading the log', async () => {
    const other = 'skewed-gap';
    const early = await story(other, 15, instant(0));
    const late = Array.from({ length: 19 }, (_, i) => r.posted(other, `late${i}`));
    eventsOf(await store.commitBatch(items(late), instant(60_000)));
    await store.writeSnapshots([other]);
    // As if written under two settings of N at once: the chunk at 30 no longer follows the one at 20.
    await t.dataSource.query(
      `UPDATE story_snapshots SET base_version = 25 WHERE story_id = $1 AND version = 30`,
      [other],
    );
    expect(await store.stateAt(other, { instant: instant(30_000) })).toEqual(fold(early));
    expect(lastRead().eventsScanned).toBeGreaterThanOrEqual(34);
    expect(await store.stateAt(other, { instant: instant(-1) })).toBeNull();
  });
});

describe('entryHistory', () => {
  const id = 'history';
  beforeAll(async () => {
    const reports = [r.opened(id), r.posted(id, 'e1', { body: '<p>first</p>' })];
    for (let i = 0; i < 12; i += 1) reports.push(r.posted(id, `other${i}`));
    reports.push(r.edited(id, 'e1', '<p>second</p>', 'a typo'));
    for (let i = 12; i < 30; i += 1) reports.push(r.posted(id, `other${i}`));
    reports.push(
      r.pinned(id, 'e1'),
      r.edited(id, 'e1', '<p>third</p>'),
      r.retracted(id, 'e1', 'not true'),
    );
    reports.push(r.posted(id, 'late'));
    await store.commitBatch(items(reports), '2026-11-24T14:00:00.000Z');
  });

  it('lists every event that touched the entry, oldest first, with the body after each', async () => {
    const history = await store.entryHistory(id, 'e1');
    const common = {
      author: 'desk:test',
      occurredAt: expect.any(String),
      recordedAt: '2026-11-24T14:00:00.000Z',
    };
    expect(history).toEqual({
      storyId: id,
      entryId: 'e1',
      revisions: [
        {
          version: 2,
          type: 'entry.posted',
          body: '<p>first</p>',
          correction: null,
          reason: null,
          ...common,
        },
        {
          version: 15,
          type: 'entry.edited',
          body: '<p>second</p>',
          correction: 'a typo',
          reason: null,
          ...common,
        },
        {
          version: 34,
          type: 'entry.pinned',
          body: '<p>second</p>',
          correction: null,
          reason: null,
          ...common,
        },
        {
          version: 35,
          type: 'entry.edited',
          body: '<p>third</p>',
          correction: null,
          reason: null,
          ...common,
        },
        {
          version: 36,
          type: 'entry.retracted',
          body: null,
          correction: null,
          reason: 'not true',
          ...common,
        },
      ],
    });
  });

  it('reads only the chunks that touched it, writing the snapshots it needs first', async () => {
    await store.entryHistory(id, 'late');
    expect(lastRead()).toMatchObject({ kind: 'entry-history', eventsFolded: 1 });
    expect(lastRead().eventsScanned).toBeLessThan(EVERY);
    await store.entryHistory(id, 'e1');
    // Chunks (0,10], (10,20] and (30,37]: the posting, the first edit, and the rest with the tail.
    expect(lastRead().eventsScanned).toBe(10 + 10 + 7);
  });

  it('answers null for an entry or a story it does not know, whatever the id', async () => {
    expect(await store.entryHistory(id, 'e999')).toBeNull();
    expect(await store.entryHistory('no-such-story', 'e1')).toBeNull();
    expect(await store.entryHistory(id, "e1' OR '1'='1")).toBeNull();
    expect(await store.entryHistory(id, '')).toBeNull();
  });
});
