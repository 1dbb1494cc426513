import { lockStoriesSql } from '../commit/batch.commit';
import { LIVE_PROJECTIONS } from '../commit/batch.writes';
import type { Sql } from '../postgres/pool';
import { readStoryEvents } from '../read/log.reader';
import { compareProjections } from './projection.compare';
import { eventsSince, ProjectionFolder } from './projection.folder';
import {
  createFreshTables,
  deleteStoryRows,
  dropFreshTables,
  FRESH_PROJECTIONS,
} from './projection.tables';
import { inTransactionOn, PAGE, type RebuildRun } from './rebuild.session';
import type { RebuildProgress, RebuildResult } from './rebuild.types';

/**
 * Rebuilds one story: folds its log aside, in memory and unlocked, then under the lock its commits take
 * catches up with what they committed meanwhile and replaces its rows in one transaction; or (verify)
 * writes the rows into fresh tables and compares them with the live ones in one snapshot.
 */
export async function rebuildStory(
  sql: Sql,
  storyId: string,
  run: RebuildRun,
): Promise<RebuildResult> {
  const [known] = await sql.query<{ events: number; live: boolean }>(
    `SELECT (SELECT count(*)::int FROM events WHERE story_id = $1) AS events,
            EXISTS (SELECT 1 FROM stories WHERE id = $1) AS live`,
    [storyId],
  );
  if (known.events === 0 && !known.live) {
    throw new Error(`rebuild: story ${storyId} is neither in the log nor in the projection`);
  }
  // Held until the end (its head is never reached): one story's state, written out at once.
  const folder = new ProjectionFolder(
    run.verify ? FRESH_PROJECTIONS : LIVE_PROJECTIONS,
    new Map([[storyId, Infinity]]),
  );
  const report = (phase: RebuildProgress['phase']) =>
    run.progress.report({
      phase,
      events: folder.events,
      totalEvents: Math.max(known.events, folder.events),
      stories: folder.stories,
    });

  let version = 0;
  for (;;) {
    run.signal?.throwIfAborted();
    const page = await readStoryEvents(run.pool, storyId, version, PAGE);
    await folder.fold(sql, page);
    if (page.length) version = page[page.length - 1].version;
    report('copy');
    if (page.length < PAGE) break;
  }
  const result = (swapped: boolean, differences: RebuildResult['differences'] = []) => ({
    stories: folder.stories,
    events: folder.events,
    swapped,
    differences,
  });

  if (run.verify) {
    await dropFreshTables(sql);
    try {
      await createFreshTables(sql);
      const differences = await inTransactionOn(
        sql,
        'BEGIN ISOLATION LEVEL REPEATABLE READ',
        async () => {
          await folder.fold(sql, await eventsSince(sql, { storyId, version }));
          await folder.flush(sql);
          report('verify');
          const found = await compareProjections(sql, storyId);
          run.signal?.throwIfAborted();
          return found;
        },
      );
      return result(false, differences);
    } finally {
      await dropFreshTables(sql).catch(() => undefined);
    }
  }

  await inTransactionOn(sql, `BEGIN; ${lockStoriesSql([storyId])}`, async () => {
    report('catch-up');
    await folder.fold(sql, await eventsSince(sql, { storyId, version }));
    report('swap');
    await deleteStoryRows(sql, LIVE_PROJECTIONS, storyId);
    await folder.flush(sql);
    run.signal?.throwIfAborted();
  });
  return result(true);
}
