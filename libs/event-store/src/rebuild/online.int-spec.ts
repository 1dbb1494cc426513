import { expectEventually } from '@livefeed/common/testing';
import { decide, evolve, fold, type StoryState } from '@livefeed/domain';
import { EventStore } from '../event-store';
import type { BatchResult } from '../event-store.types';
import { createPool } from '../postgres/pool';
import { at, items, r } from '../testing/store.fixture';
import { rebuildProjections, runRebuild } from './projections.rebuild';
import {
  expectProjectionIsTheFold,
  freshTables,
  useRebuildTestbed,
} from './testing/rebuild.fixture';

const bed = useRebuildTestbed('live', 20, 14_000, 5);

/** The stories `keepCommitting(_, prefix)` writes to. */
const written = (prefix: string) => Array.from({ length: 6 }, (_, i) => `${prefix}-${i}`);

/**
 * Opens stories of its own and commits posts, edits and figures to them from `store` until `stop()`
 * says so; every result must be an acceptance (a commit that failed or landed in a dropped table would
 * show here or in the fold).
 */
function keepCommitting(store: EventStore, prefix: string) {
  let stopped = false;
  let batches = 0;
  const accepted: BatchResult[] = [];
  const done = (async () => {
    for (let n = 0; !stopped; n += 1, batches += 1) {
      const reports = written(prefix).flatMap((s, i) => [
        ...(n === 0 ? [r.opened(s)] : []),
        r.posted(s, `${prefix}${n}x${i}`, {}, { occurredAt: at(n) }),
        r.figure(s, 'writers', `${prefix}-source`, n),
        ...(n > 0 ? [r.edited(s, `${prefix}${n - 1}x${i}`, `<p>edit ${n}</p>`, 'fixed')] : []),
      ]);
      const results = await store.commitBatch(items(reports), at(5_000 + n));
      for (const result of results) {
        if (result.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(result)}`);
        accepted.push(result);
      }
    }
  })();
  return {
    accepted,
    batches: () => batches,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

describe('a rebuild while ingest commits', () => {
  it('loses no event: every commit before, during and after the swap is in the new projection', async () => {
    const second = await bed.t.connect();
    const writer = keepCommitting(second.store, 'w');
    await expectEventually(() => expect(writer.batches()).toBeGreaterThan(3));
    const before = writer.batches();

    const result = await rebuildProjections(bed.pool);
    const during = writer.batches() - before;
    // And after it: the same connections, their prepared statements now on the new tables.
    const swappedAt = writer.batches();
    await expectEventually(() => expect(writer.batches()).toBeGreaterThan(swappedAt + 3));
    await writer.stop();

    expect(result.swapped).toBe(true);
    expect(during).toBeGreaterThan(0);
    const [{ events, accepted }] = await bed.t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM events) AS events,
              (SELECT count(*)::int FROM report_outcomes WHERE status = 'accepted') AS accepted`,
    );
    expect(events).toBe(accepted);
    expect(result.events).toBeLessThanOrEqual(events);
    await expectProjectionIsTheFold(bed.t);
  }, 60_000);

  it('shows readers the old projection or the new one, each read a consistent prefix of the log', async () => {
    const second = await bed.t.connect();
    const writer = keepCommitting(second.store, 'v');
    await expectEventually(() => expect(writer.batches()).toBeGreaterThan(3));
    const read = [...bed.stories, ...written('v')];
    const readers = await Promise.all([1, 2, 3].map(() => bed.t.connect()));
    const seen: Array<{ state: StoryState; reader: number }> = [];
    const listed: Array<{ id: string; version: number; title: string; updatedAt: string }> = [];
    let reading = true;
    const loops = readers.map(async ({ store }, reader) => {
      const last = new Map<string, number>();
      for (let i = 0; reading; i += 1) {
        const id = read[(i * 7 + reader) % read.length];
        const state = await store.getStory(id);
        // Never missing, never behind what this reader saw before: no half-built table shows through.
        expect(state).not.toBeNull();
        expect(state!.version).toBeGreaterThanOrEqual(last.get(id) ?? 0);
        last.set(id, state!.version);
        seen.push({ state: state!, reader });
        if (i % 5 === 0) {
          const list = await store.listStories();
          expect(list.filter((s) => read.includes(s.id))).toHaveLength(read.length);
          listed.push(...list);
        }
      }
    });

    for (let round = 0; round < 2; round += 1) {
      expect((await rebuildProjections(bed.pool)).swapped).toBe(true);
    }
    reading = false;
    await Promise.all(loops);
    await writer.stop();

    expect(seen.length).toBeGreaterThan(100);
    for (const id of read) {
      // The log's state at every version a reader saw, folded once.
      const reads = seen.filter((x) => x.state.id === id).map((x) => x.state);
      const lists = listed.filter((x) => x.id === id);
      const wanted = new Set([...reads, ...lists].map((x) => x.version));
      const states = new Map<number, StoryState>();
      let state: StoryState | null = null;
      for (const event of await bed.t.store.readEvents(id, 0, 1_000_000)) {
        state = evolve(state, event);
        if (wanted.has(event.version)) states.set(event.version, state);
      }
      for (const x of reads) expect(x).toEqual(states.get(x.version));
      for (const x of lists) {
        const then = states.get(x.version)!;
        expect({ title: x.title, updatedAt: x.updatedAt }).toEqual({
          title: then.title,
          updatedAt: then.updatedAt,
        });
      }
    }
  }, 90_000);

  it('lets a commit and a read that waited on the swap’s lock go on into the new tables', async () => {
    // One connection, so the commit below runs the prepared statements planned before the swap.
    const writerPool = createPool(bed.t.url, {
      poolSize: 1,
      applicationName: 'rebuild-test-writer',
    });
    const writer = new EventStore(writerPool, { decide });
    const reader = await bed.t.connect();
    try {
      await writer.commitBatch(items([r.posted('live-1', 'before-swap')]), at(9_000));
      let waited: Promise<[BatchResult[], StoryState | null]> | undefined;

      await runRebuild(
        bed.pool,
        {},
        {
          beforeSwapCommit: async () => {
            waited = Promise.all([
              writer.commitBatch(
                items([
                  r.posted('live-1', 'during-swap'),
                  r.edited('live-1', 'before-swap', '<p>b</p>'),
                ]),
                at(9_001),
              ),
              reader.store.getStory('live-1'),
            ]);
            await expectEventually(async () => {
              const [{ waiting }] = await bed.t.dataSource.query(
                `SELECT count(*)::int AS waiting FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event_type = 'Lock'`,
              );
              expect(waiting).toBe(2);
            });
          },
        },
      );
      const [results, read] = await waited!;
      expect(results.map((x) => x.kind)).toEqual(['accepted', 'accepted']);
      const events = await bed.t.store.readEvents('live-1', 0, 1_000_000);
      expect(read).toEqual(fold(events.slice(0, read!.version)));

      const after = await writer.commitBatch(items([r.posted('live-1', 'after-swap')]), at(9_002));
      expect(after[0].kind).toBe('accepted');
      const story = await bed.t.store.getStory('live-1');
      expect(story?.entries.map((e) => e.entryId)).toEqual(
        expect.arrayContaining(['before-swap', 'during-swap', 'after-swap']),
      );
      expect(story?.entries.find((e) => e.entryId === 'before-swap')?.body).toBe('<p>b</p>');
      expect(await freshTables(bed.t.dataSource)).toEqual([]);
      await expectProjectionIsTheFold(bed.t);
    } finally {
      await writer.close();
    }
  }, 60_000);
});
