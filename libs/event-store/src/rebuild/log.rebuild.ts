import { sqlState } from '../postgres/errors';
import type { Sql } from '../postgres/pool';
import { readLogRecords } from '../read/log.reader';
import { compareProjections } from './projection.compare';
import { eventsSince, ProjectionFolder } from './projection.folder';
import {
  createFreshTables,
  dropFreshTables,
  FRESH_PROJECTIONS,
  lockLive,
  ROLES,
  swapInFresh,
} from './projection.tables';
import { inTransactionOn, PAGE, type RebuildRun } from './rebuild.session';
import type { RebuildProgress, RebuildResult } from './rebuild.types';

/** How long the swap waits for the live tables (commits hold them for milliseconds), and how often. */
const SWAP_LOCK_TIMEOUT_MS = 2_000;
const SWAP_ATTEMPTS = 5;

/**
 * Rebuilds every story (docs/architecture.md, "Rebuilding projections"): folds the log by global
 * position into fresh tables while commits go on, catches up with what they committed meanwhile, then
 * either swaps the fresh tables in, in one transaction, or (verify) compares them with the live ones in
 * one snapshot. Whatever happens before the swap commits, the fresh tables are dropped at the end.
 */
export async function rebuildLog(sql: Sql, run: RebuildRun): Promise<RebuildResult> {
  await dropFreshTables(sql);
  try {
    const renames = await createFreshTables(sql);
    // Each story's last version in the log says when it is complete, so that it can be written out
    // and forgotten. Taken from the log, not the live projection: a story the projection lacks or has
    // behind (empty, damaged) would otherwise be written out and read back after every page, all its
    // rows each time, which grows with the square of its events. Commits after this only move a story
    // past its head, and it is read back once.
    const heads = await sql.query<{ id: string; version: number; events: number }>(
      'SELECT story_id AS id, max(version) AS version, count(*)::int AS events FROM events GROUP BY story_id',
    );
    const folder = new ProjectionFolder(
      FRESH_PROJECTIONS,
      new Map(heads.map((s) => [s.id, s.version])),
    );
    const n = heads.reduce((sum, s) => sum + s.events, 0);
    const report = (phase: RebuildProgress['phase']) =>
      run.progress.report({
        phase,
        events: folder.events,
        totalEvents: Math.max(n, folder.events),
        stories: folder.stories,
      });

    // Every event up to `after` is folded (and written by the end of each round); the xmin-safe read
    // means none can still appear below it.
    let after = 0;
    const tail = async (phase: RebuildProgress['phase']) => {
      const [{ head }] = await sql.query<{ head: string }>(
        'SELECT coalesce(max(position), 0) AS head FROM events',
      );
      // The next page is read while this one is folded: the database and the fold each take a core.
      const read = (position: number) => {
        const page = readLogRecords(run.pool, position, PAGE);
        page.catch(() => undefined); // awaited below, unless the fold failed first
        return page;
      };
      for (let next = read(after); ;) {
        run.signal?.throwIfAborted();
        const page = await next;
        const last = page.length ? page[page.length - 1].position : after;
        // Short of a page: caught up with the horizon. Past the head: what follows is for the next round.
        const more = page.length === PAGE && last < Number(head);
        if (more) next = read(last);
        await folder.fold(
          sql,
          page.map((r) => r.event),
        );
        after = last;
        report(phase);
        if (!more) break;
      }
      await folder.flush(sql);
    };

    report('copy');
    await tail('copy');
    await sql.query(`ANALYZE ${ROLES.map((role) => FRESH_PROJECTIONS[role]).join(', ')}`);
    await tail('catch-up');

    if (run.verify) {
      // One snapshot for the last events and the live tables: they agree with each other in it.
      const differences = await inTransactionOn(
        sql,
        'BEGIN ISOLATION LEVEL REPEATABLE READ',
        async () => {
          await folder.fold(sql, await eventsSince(sql, { position: after }));
          await folder.flush(sql);
          report('verify');
          const found = await compareProjections(sql);
          run.signal?.throwIfAborted();
          return found;
        },
      );
      return { stories: folder.stories, events: folder.events, swapped: false, differences };
    }

    for (let attempt = 1; ; attempt += 1) {
      run.signal?.throwIfAborted();
      try {
        await inTransactionOn(sql, 'BEGIN', async () => {
          report('swap');
          await lockLive(sql, SWAP_LOCK_TIMEOUT_MS);
          // Locked: no commit is in flight, so every event is visible now, the horizon is moot.
          await folder.fold(sql, await eventsSince(sql, { position: after }));
          await folder.flush(sql);
          await swapInFresh(sql, renames);
          await run.hooks.beforeSwapCommit?.();
          run.signal?.throwIfAborted();
        });
        return { stories: folder.stories, events: folder.events, swapped: true, differences: [] };
      } catch (error) {
        // Rolled back: what the transaction folded is read back from the fresh tables when needed.
        folder.forget();
        if (sqlState(error) !== '55P03') throw error; // lock_not_available
        if (attempt === SWAP_ATTEMPTS) {
          throw new Error(
            `rebuild: the live projection tables stayed locked (${SWAP_ATTEMPTS} tries of ` +
              `${SWAP_LOCK_TIMEOUT_MS} ms: a long transaction holds them); they are unchanged`,
            { cause: error },
          );
        }
        await tail('catch-up');
      }
    }
  } finally {
    // After a swap there is nothing left to drop; after a failure the connection may be gone, and the
    // next rebuild drops what is left.
    await dropFreshTables(sql).catch(() => undefined);
  }
}
