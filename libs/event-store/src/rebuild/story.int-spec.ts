import { expectEventually } from '@livefeed/common/testing';
import { at, items, r } from '../testing/store.fixture';
import { rebuildProjections } from './projections.rebuild';
import {
  expectProjectionIsTheFold,
  freshTables,
  liveTableOids,
  projectionRows,
  useRebuildTestbed,
} from './testing/rebuild.fixture';

const bed = useRebuildTestbed('one', 8, 4_000, 3);
afterEach(async () => {
  await rebuildProjections(bed.pool);
}, 60_000);

const eventsOf = async (storyId: string) =>
  (
    await bed.t.dataSource.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM events WHERE story_id = $1',
      [storyId],
    )
  )[0].n;

async function damage(): Promise<number> {
  await bed.t.dataSource.query(`UPDATE entries SET pinned = NOT pinned WHERE story_id = 'one-1'`);
  const [{ version }] = await bed.t.dataSource.query(
    `SELECT version FROM stories WHERE id = 'one-2'`,
  );
  await bed.t.dataSource.query(`UPDATE stories SET version = version - 1 WHERE id = 'one-2'`);
  return version;
}

describe('rebuilding one story', () => {
  it('replaces that story’s rows and no other’s, in the live tables', async () => {
    const version = await damage();
    const oids = await liveTableOids(bed.t.dataSource);

    const result = await rebuildProjections(bed.pool, { storyId: 'one-1' });

    expect(result).toEqual({
      stories: 1,
      events: await eventsOf('one-1'),
      swapped: true,
      differences: [],
    });
    expect(await liveTableOids(bed.t.dataSource)).toEqual(oids);
    const { differences } = await rebuildProjections(bed.pool, { verify: true });
    expect(differences).toEqual([
      { storyId: 'one-2', what: `story: version ${version - 1} ≠ ${version}` },
    ]);
  }, 60_000);

  it('verifies that story only, naming its differences and changing nothing', async () => {
    const version = await damage();
    const damaged = await projectionRows(bed.t.dataSource);

    const two = await rebuildProjections(bed.pool, { storyId: 'one-2', verify: true });
    const three = await rebuildProjections(bed.pool, { storyId: 'one-3', verify: true });

    expect(two).toEqual({
      stories: 1,
      events: await eventsOf('one-2'),
      swapped: false,
      differences: [{ storyId: 'one-2', what: `story: version ${version - 1} ≠ ${version}` }],
    });
    expect(three.differences).toEqual([]);
    expect(await projectionRows(bed.t.dataSource)).toEqual(damaged);
    expect(await freshTables(bed.t.dataSource)).toEqual([]);
  }, 60_000);

  it('removes the rows of a story the log does not have', async () => {
    await bed.t.dataSource.query(
      `INSERT INTO stories (id, title, status, visibility, version, opened_at, updated_at)
       VALUES ('one-ghost', 'Ghost', 'live', 'public', 3, now(), now())`,
    );

    const verified = await rebuildProjections(bed.pool, { storyId: 'one-ghost', verify: true });
    const rebuilt = await rebuildProjections(bed.pool, { storyId: 'one-ghost' });

    expect(verified.differences).toEqual([
      { storyId: 'one-ghost', what: 'story is not in the log' },
    ]);
    expect(rebuilt).toEqual({ stories: 0, events: 0, swapped: true, differences: [] });
    expect(await bed.t.store.getStory('one-ghost')).toBeNull();
    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
  }, 60_000);

  it('goes on while that story’s commits go on, losing none of them', async () => {
    const second = await bed.t.connect();
    let stopped = false;
    let batches = 0;
    const writing = (async () => {
      for (let n = 0; !stopped; n += 1, batches += 1) {
        const results = await second.store.commitBatch(
          items([
            r.posted('one-4', `busy-${n}`, {}, { occurredAt: at(n) }),
            r.figure('one-4', 'busy', 'Writer', n),
          ]),
          at(10_000 + n),
        );
        expect(results.map((x) => x.kind)).toEqual(['accepted', 'accepted']);
      }
    })();
    for (let round = 0; round < 5; round += 1) {
      const from = batches;
      expect((await rebuildProjections(bed.pool, { storyId: 'one-4' })).swapped).toBe(true);
      await expectEventually(() => expect(batches).toBeGreaterThan(from));
    }
    stopped = true;
    await writing;

    await expectProjectionIsTheFold(bed.t);
    const story = await bed.t.store.getStory('one-4');
    expect(story?.entries.filter((e) => e.entryId.startsWith('busy-'))).toHaveLength(batches);
  }, 60_000);
});
