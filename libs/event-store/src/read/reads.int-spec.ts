import { expectEventually } from '@livefeed/common/testing';
import { fold, type StoryEvent } from '@livefeed/domain';
import { createPool } from '../postgres/pool';
import { EventStore } from '../event-store';
import type { BatchResult } from '../event-store.types';
import { at, commitHeldInFlight, items, openTestStore, r } from '../testing/store.fixture';
import type { TestStore } from '../testing/store.fixture';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.close());

const eventsOf = (results: readonly BatchResult[]): StoryEvent[] =>
  results.flatMap((x) => (x.kind === 'accepted' ? [x.event] : []));

describe('stateAt', () => {
  const s = 'time-travel';
  let events: StoryEvent[];
  beforeAll(async () => {
    // Recorded at 10:00:01, :02, :03 and :04, one report per batch.
    events = [];
    const reports = [
      r.opened(s),
      r.posted(s, 'e1'),
      r.edited(s, 'e1', '<p>fixed</p>', 'typo'),
      r.retracted(s, 'e1'),
    ];
    for (const [i, report] of reports.entries()) {
      events.push(
        ...eventsOf(await t.store.commitBatch(items([report]), `2026-11-24T10:00:0${i + 1}.000Z`)),
      );
    }
  });

  it('folds the log up to a version', async () => {
    expect(await t.store.stateAt(s, { version: 2 })).toEqual(fold(events.slice(0, 2)));
    expect(await t.store.stateAt(s, { version: 1 })).toMatchObject({ version: 1, entries: [] });
  });

  it('gives the head for a version beyond it, and nothing before the story began', async () => {
    expect(await t.store.stateAt(s, { version: 99 })).toEqual(await t.store.getStory(s));
    expect(await t.store.stateAt(s, { version: 0 })).toBeNull();
    expect(await t.store.stateAt('never-opened', { version: 5 })).toBeNull();
  });

  it('shows what readers saw at an instant: every event recorded at or before it', async () => {
    expect(await t.store.stateAt(s, { instant: '2026-11-24T10:00:02.000Z' })).toEqual(
      fold(events.slice(0, 2)),
    );
    expect(await t.store.stateAt(s, { instant: '2026-11-24T10:00:02.999Z' })).toEqual(
      fold(events.slice(0, 2)),
    );
    expect(await t.store.stateAt(s, { instant: '2026-11-24T12:00:03+02:00' })).toEqual(
      fold(events.slice(0, 3)),
    );
    expect(await t.store.stateAt(s, { instant: '2026-11-24T10:00:00.999Z' })).toBeNull();
    expect(await t.store.stateAt(s, { instant: '2030-01-01T00:00:00Z' })).toEqual(
      await t.store.getStory(s),
    );
  });

  it('refuses an instant that is not one', async () => {
    await expect(t.store.stateAt(s, { instant: 'yesterday' })).rejects.toThrow(RangeError);
  });
});

describe('readEvents', () => {
  it('pages through a story in version order', async () => {
    const s = 'paging';
    const all = eventsOf(
      await t.store.commitBatch(
        items([r.opened(s), ...Array.from({ length: 9 }, (_, i) => r.posted(s, `e${i}`))]),
        at(1),
      ),
    );
    expect(await t.store.readEvents(s, 0, 4)).toEqual(all.slice(0, 4));
    expect(await t.store.readEvents(s, 4, 4)).toEqual(all.slice(4, 8));
    expect(await t.store.readEvents(s, 8, 4)).toEqual(all.slice(8));
    expect(await t.store.readEvents(s, 10, 4)).toEqual([]);
    expect(await t.store.storyVersion(s)).toBe(10);
    expect(await t.store.storyVersion('nope')).toBeNull();
  });
});

describe('readLog', () => {
  // The horizon is cluster-wide: a transaction in another database (another test file) can hold it back
  // for a moment, so what was just committed shows up eventually, never out of order.
  const logHead = async (): Promise<number> => {
    const [row] = await t.dataSource.query(
      'SELECT coalesce(max(position), 0)::int AS p FROM events',
    );
    return row.p;
  };

  it('pages through every story by global position', async () => {
    const head = await logHead();
    const added = eventsOf(
      await t.store.commitBatch(
        items([r.opened('log-a'), r.opened('log-b'), r.posted('log-a', 'e1')]),
        at(2),
      ),
    );

    await expectEventually(async () => {
      const page1 = await t.store.readLog(head, 2);
      const page2 = await t.store.readLog(page1[1].position, 2);
      expect([...page1, ...page2].map((x) => x.event)).toEqual(added);
      expect(page1[0].position).toBeLessThan(page1[1].position);
    });
  });

  it('does not step past a commit still in flight', async () => {
    await t.store.commitBatch(items([r.opened('slow-story'), r.opened('fast-story')]), at(3));
    const after = await logHead();

    const slow = await commitHeldInFlight(t, r.posted('slow-story', 'e1'), at(4));

    // A later batch commits first; its event has a higher position than the slow one's.
    const [fast] = eventsOf(
      await t.store.commitBatch(items([r.posted('fast-story', 'e1')]), at(5)),
    );
    expect(await t.store.readLog(after, 10)).toEqual([]);

    await slow.release();
    const [slowEvent] = eventsOf(await slow.commit);
    await expectEventually(async () => {
      expect((await t.store.readLog(after, 10)).map((x) => x.event)).toEqual([slowEvent, fast]);
    });
  });
});

describe('listStories', () => {
  it('lists public stories, live ones first, most recently updated first', async () => {
    const fresh = await openTestStore();
    try {
      await fresh.store.commitBatch(
        items([
          r.opened('old-live', {}, { occurredAt: at(1) }),
          r.opened('closed-recent', {}, { occurredAt: at(2) }),
          r.opened('private-one', { visibility: 'private' }, { occurredAt: at(3) }),
          r.opened('new-live', {}, { occurredAt: at(4) }),
          r.closed('closed-recent', { occurredAt: at(9) }),
          r.opened('closed-old', {}, { occurredAt: at(5) }),
          r.closed('closed-old', { occurredAt: at(6) }),
        ]),
        at(10),
      );
      expect(await fresh.store.listStories()).toEqual([
        {
          id: 'new-live',
          title: 'Story new-live',
          status: 'live',
          visibility: 'public',
          version: 1,
          updatedAt: at(4),
        },
        {
          id: 'old-live',
          title: 'Story old-live',
          status: 'live',
          visibility: 'public',
          version: 1,
          updatedAt: at(1),
        },
        {
          id: 'closed-recent',
          title: 'Story closed-recent',
          status: 'closed',
          visibility: 'public',
          version: 2,
          updatedAt: at(9),
        },
        {
          id: 'closed-old',
          title: 'Story closed-old',
          status: 'closed',
          visibility: 'public',
          version: 2,
          updatedAt: at(6),
        },
      ]);
    } finally {
      await fresh.close();
    }
  });
});

describe('outcomes and health', () => {
  it('knows nothing of a report never decided', async () => {
    expect(await t.store.getOutcome('never-seen')).toBeNull();
    expect(await t.store.getStory('never-seen')).toBeNull();
  });

  it('is healthy while PostgreSQL answers, and not once the pool is closed', async () => {
    const store = new EventStore(createPool(t.url));
    expect(await store.isHealthy()).toBe(true);
    await store.close();
    expect(await store.isHealthy()).toBe(false);
  });
});
