import { createTestDatabase, expectEventually } from '@livefeed/common/testing';
import {
  CURRENT_EVENT_SCHEMA,
  decide,
  fold,
  type Source,
  type StoryEvent,
  type StoryState,
} from '@livefeed/domain';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source';
import { prepareDatabase } from '../database.bootstrap';
import { EventStore } from '../event-store';
import type { BatchResult } from '../event-store.types';
import {
  EVENT_STORE_MIGRATIONS,
  VersionEventSchemasAndCiteSources1764000000005,
} from '../migrations';
import { createPool } from '../postgres/pool';
import { at, items, r } from '../testing/store.fixture';

/*
 * A database written by the release before event schema versions: its schema (the migrations before
 * 1764000000005), its log (posts citing one `source`) and its projections (`entries.source`), written
 * here with plain SQL as that release wrote them. Then this release's migrations run, and every read
 * must give today's events and the state a current-shape history gives.
 */

const S = 'older-story';
const WIRE: Source = { name: 'Wire', url: 'https://wire.example/1' };
const MINISTRY: Source = { name: 'Ministry' };

/** The story in today's shape: what every read of the old rows must give. */
function event(version: number, type: StoryEvent['type'], data: object): StoryEvent {
  return {
    storyId: S,
    version,
    type,
    data,
    reportId: `old-${version}`,
    author: 'desk:old',
    occurredAt: at(version),
    recordedAt: at(version + 0.5),
  } as StoryEvent;
}
const TODAY: StoryEvent[] = [
  event(1, 'story.opened', { title: 'Older', summary: null, visibility: 'public' }),
  event(2, 'entry.posted', { entryId: 'e1', body: '<p>One.</p>', kind: 'update', sources: [WIRE] }),
  event(3, 'entry.posted', { entryId: 'e2', body: '<p>Two.</p>', kind: 'breaking' }),
  event(4, 'entry.edited', { entryId: 'e1', body: '<p>One, fixed.</p>', correction: 'Name' }),
  event(5, 'figure.reported', {
    figureId: 'deaths',
    label: 'Killed',
    value: 3,
    qualifier: 'exact',
    unit: null,
    source: MINISTRY,
  }),
  event(6, 'entry.pinned', { entryId: 'e2' }),
];
const STATE = fold(TODAY) as StoryState;

/** The data as the older release stored it: a post's `source`, no `sources`. */
function olderData(e: StoryEvent): object {
  if (e.type !== 'entry.posted' || e.data.sources === undefined) return e.data;
  const { sources, ...rest } = e.data;
  return { ...rest, source: sources[0] };
}

/** Writes the story as the older release did: log, outcomes and projections, one transaction. */
async function writeAsOlderRelease(ds: DataSource): Promise<void> {
  await ds.transaction(async (m) => {
    for (const e of TODAY) {
      await m.query(
        `INSERT INTO events (story_id, version, type, data, report_id, author, occurred_at, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          S,
          e.version,
          e.type,
          JSON.stringify(olderData(e)),
          e.reportId,
          e.author,
          e.occurredAt,
          e.recordedAt,
        ],
      );
      await m.query(
        `INSERT INTO report_outcomes (report_id, story_id, status, version, decided_at)
         VALUES ($1, $2, 'accepted', $3, $4)`,
        [e.reportId, S, e.version, e.recordedAt],
      );
    }
    await m.query(
      `INSERT INTO stories (id, title, summary, status, visibility, version, opened_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        S,
        STATE.title,
        STATE.summary,
        STATE.status,
        STATE.visibility,
        STATE.version,
        STATE.openedAt,
        STATE.updatedAt,
      ],
    );
    for (const entry of STATE.entries) {
      await m.query(
        `INSERT INTO entries (story_id, entry_id, kind, body, author, source, posted_at, posted_version,
                              edited_at, corrections, pinned)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          S,
          entry.entryId,
          entry.kind,
          entry.body,
          entry.author,
          entry.source === null ? null : JSON.stringify(entry.source),
          entry.postedAt,
          TODAY.find((e) => e.type === 'entry.posted' && e.data.entryId === entry.entryId)!.version,
          entry.editedAt,
          JSON.stringify(entry.corrections),
          entry.pinned,
        ],
      );
    }
    await m.query(
      `INSERT INTO figures (story_id, figure_id, label, unit, first_version) VALUES ($1, 'deaths', 'Killed', NULL, 5)`,
      [S],
    );
    await m.query(
      `INSERT INTO figure_claims (story_id, figure_id, source_name, source, value, qualifier, reported_at,
                                  first_version)
       VALUES ($1, 'deaths', 'Ministry', $2, 3, 'exact', $3, 5)`,
      [S, JSON.stringify(MINISTRY), at(5)],
    );
  });
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let ds: DataSource;
let store: EventStore;
let ranOnUpgrade: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  const older = EVENT_STORE_MIGRATIONS.slice(
    0,
    EVENT_STORE_MIGRATIONS.indexOf(VersionEventSchemasAndCiteSources1764000000005),
  );
  const before = new DataSource({ ...dataSourceOptions(db.url), migrations: [...older] });
  await before.initialize();
  try {
    await before.runMigrations({ transaction: 'each' });
    await writeAsOlderRelease(before);
  } finally {
    await before.destroy();
  }
  ranOnUpgrade = (await prepareDatabase(db.url)).migrations;
  ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  store = new EventStore(createPool(db.url), { decide });
});
afterAll(async () => {
  await Promise.all([ds?.destroy(), store?.close()]);
  await db?.drop();
});

const eventsOf = (results: readonly BatchResult[]): StoryEvent[] =>
  results.flatMap((x) => (x.kind === 'accepted' ? [x.event] : []));

describe('a log written before event schema versions, after the upgrade', () => {
  it('was upgraded by this release’s migrations (the premise of what follows)', () => {
    expect(ranOnUpgrade).toContain(VersionEventSchemasAndCiteSources1764000000005.name);
  });

  it('is not rewritten: every row is schema version 1 and keeps its older data', async () => {
    const rows = await ds.query<Array<{ schema_version: number; data: Record<string, unknown> }>>(
      `SELECT schema_version, data FROM events WHERE story_id = $1 ORDER BY version`,
      [S],
    );
    expect(rows.map((row) => row.schema_version)).toEqual(TODAY.map(() => 1));
    expect(rows[1].data).toEqual({
      entryId: 'e1',
      body: '<p>One.</p>',
      kind: 'update',
      source: WIRE,
    });
  });

  it('reads as today’s events', async () => {
    expect(await store.readEvents(S, 0, 100)).toEqual(TODAY);
    expect(await store.readEvents(S, 1, 1)).toEqual([TODAY[1]]);
  });

  it('reads as today’s events by global position too', async () => {
    await expectEventually(async () => {
      const log = await store.readLog(0, 100);
      expect(log.map((x) => x.event).filter((e) => e.storyId === S)).toEqual(TODAY);
    });
  });

  it('folds at any version or instant into the state a current-shape history gives', async () => {
    for (let version = 1; version <= TODAY.length; version += 1) {
      expect(await store.stateAt(S, { version })).toEqual(fold(TODAY.slice(0, version)));
    }
    expect(await store.stateAt(S, { instant: at(2.5) })).toEqual(fold(TODAY.slice(0, 2)));
  });

  it('has its projection migrated: each entry cites its one source as sources', async () => {
    const story = await store.getStory(S);
    expect(story).toEqual(STATE);
    expect(story?.entries.map((e) => [e.entryId, e.sources, e.source])).toEqual([
      ['e2', [], null],
      ['e1', [WIRE], WIRE],
    ]);
  });

  it('answers a report decided by the older release with its event, upgraded', async () => {
    const again = r.posted(S, 'e1', { source: WIRE }, { id: 'old-2', author: 'desk:old' });
    expect(await store.commitBatch(items([again]), at(100))).toEqual([
      { kind: 'accepted', event: TODAY[1], duplicate: true },
    ]);
    const refiled = { reportId: 'old-2', storyId: S, code: 'invalid' as const, message: 'late' };
    expect(await store.recordRejection(refiled, at(100))).toEqual({
      duplicate: true,
      first: { accepted: TODAY[1] },
    });
  });
});

describe('a commit on top of the older events', () => {
  let added: StoryEvent[];
  beforeAll(async () => {
    added = eventsOf(
      await store.commitBatch(
        items([
          r.edited(S, 'e1', '<p>One, fixed again.</p>', undefined, { occurredAt: at(20) }),
          r.posted(S, 'e3', { sources: [MINISTRY, WIRE] }, { occurredAt: at(21) }),
          r.posted(S, 'e4', { source: MINISTRY }, { occurredAt: at(22) }),
          r.retracted(S, 'e2', 'Unverified', { occurredAt: at(23) }),
        ]),
        at(30),
      ),
    );
  });

  it('is accepted, after the older versions', () => {
    expect(added.map((e) => [e.version, e.type])).toEqual([
      [7, 'entry.edited'],
      [8, 'entry.posted'],
      [9, 'entry.posted'],
      [10, 'entry.retracted'],
    ]);
  });

  it('is stored in the current schema version, the older sources shape upgraded', async () => {
    const rows = await ds.query<Array<{ schema_version: number; data: Record<string, unknown> }>>(
      `SELECT schema_version, data FROM events WHERE story_id = $1 AND version > 6 ORDER BY version`,
      [S],
    );
    expect(rows.map((row) => row.schema_version)).toEqual(added.map(() => CURRENT_EVENT_SCHEMA));
    expect(rows[2].data).toEqual({
      entryId: 'e4',
      body: '<p>e4</p>',
      kind: 'update',
      sources: [MINISTRY],
    });
  });

  it('projects what the fold of the whole log gives, old and new events alike', async () => {
    const expected = fold([...TODAY, ...added]);
    expect(await store.getStory(S)).toEqual(expected);
    expect(fold(await store.readEvents(S, 0, 100))).toEqual(expected);
    expect(await store.stateAt(S, { version: 99 })).toEqual(expected);
  });

  it('keeps the source of an older entry it rewrites, and cites the new ones as given', async () => {
    const story = await store.getStory(S);
    expect(story?.entries.map((e) => [e.entryId, e.sources, e.source])).toEqual([
      ['e4', [MINISTRY], MINISTRY],
      ['e3', [MINISTRY, WIRE], MINISTRY],
      ['e2', [], null],
      ['e1', [WIRE], WIRE],
    ]);
  });
});

describe('an event of a schema version newer than this code', () => {
  it('is refused on read with an error naming the story, the event and both versions', async () => {
    const story = 'from-the-future';
    await ds.query(
      `INSERT INTO events (story_id, version, type, schema_version, data, report_id, author, occurred_at,
                           recorded_at)
       VALUES ($1, 1, 'story.opened', $2, '{"title":"T","summary":null,"visibility":"public"}', 'future-1',
               'desk', $3, $3)`,
      [story, CURRENT_EVENT_SCHEMA + 1, at(0)],
    );
    try {
      const message =
        `event-store: event 1 of story ${story} cannot be read: story.opened event has schema version ` +
        `${CURRENT_EVENT_SCHEMA + 1}, newer than this code knows (${CURRENT_EVENT_SCHEMA})`;
      await expect(store.readEvents(story, 0, 10)).rejects.toThrow(message);
      await expect(store.stateAt(story, { version: 1 })).rejects.toThrow(message);
    } finally {
      await ds.query(`DELETE FROM events WHERE story_id = $1`, [story]);
    }
  });

  it('cannot be stored with a schema version below 1', async () => {
    await expect(
      ds.query(
        `INSERT INTO events (story_id, version, type, schema_version, data, report_id, author, occurred_at,
                             recorded_at)
         VALUES ('zero', 1, 'story.opened', 0, '{}', 'zero-1', 'desk', now(), now())`,
      ),
    ).rejects.toThrow(/events_schema_version_check/);
  });
});

describe('undoing the migration', () => {
  it('gives the older release one source per post again, the first of its sources', async () => {
    const own = await createTestDatabase();
    await prepareDatabase(own.url);
    const ownStore = new EventStore(createPool(own.url), { decide });
    const ownDs = await new DataSource(dataSourceOptions(own.url)).initialize();
    try {
      await ownStore.commitBatch(
        items([
          r.opened('undone'),
          r.posted('undone', 'e1', { sources: [WIRE, MINISTRY] }),
          r.posted('undone', 'e2'),
        ]),
        at(1),
      );
      const runner = ownDs.createQueryRunner();
      try {
        await new VersionEventSchemasAndCiteSources1764000000005().down(runner);
      } finally {
        await runner.release();
      }
      const events = await ownDs.query<Array<{ data: Record<string, unknown> }>>(
        `SELECT data FROM events WHERE type = 'entry.posted' ORDER BY version`,
      );
      expect(events.map((e) => e.data)).toEqual([
        { entryId: 'e1', body: '<p>e1</p>', kind: 'update', source: WIRE },
        { entryId: 'e2', body: '<p>e2</p>', kind: 'update' },
      ]);
      const entries = await ownDs.query<Array<{ entry_id: string; source: Source | null }>>(
        `SELECT entry_id, source FROM entries ORDER BY entry_id`,
      );
      expect(entries).toEqual([
        { entry_id: 'e1', source: WIRE },
        { entry_id: 'e2', source: null },
      ]);
    } finally {
      await Promise.all([ownDs.destroy(), ownStore.close()]);
      await own.drop();
    }
  });
});
