import { STORY_ID } from '@livefeed/domain';
import type { Pool } from 'pg';
import { rebuildLog } from './log.rebuild';
import { onRebuildSession, Progress, type RebuildHooks } from './rebuild.session';
import type { RebuildOptions, RebuildResult } from './rebuild.types';
import { rebuildStory } from './story.rebuild';

/**
 * Rebuilds the projection tables (stories, entries, figures, figure_claims) from the event log while
 * the system runs (docs/architecture.md, "Rebuilding projections"). Readers see the old projection
 * until the new one is swapped in, in one transaction; commits go on throughout and land in whichever
 * is live. Without `storyId` every story is rebuilt into fresh tables swapped in at the end; with it,
 * only that story's rows are replaced. With `verify` nothing is replaced: the result lists how the live
 * projection differs from the log.
 *
 * One rebuild at a time per database (another is refused). Aborting through `signal`, or killing the
 * process, leaves the live projection as it was; fresh tables left behind are dropped by the next run.
 * Uses two connections of `pool` at once.
 */
export function rebuildProjections(
  pool: Pool,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  return runRebuild(pool, options, {});
}

/** `rebuildProjections` with seams for tests. */
export async function runRebuild(
  pool: Pool,
  options: RebuildOptions,
  hooks: RebuildHooks,
): Promise<RebuildResult> {
  const { storyId, signal } = options;
  if (storyId !== undefined && (typeof storyId !== 'string' || !STORY_ID.test(storyId))) {
    throw new RangeError(
      `rebuild: a story id must match ${STORY_ID.source}, got ${JSON.stringify(storyId)}`,
    );
  }
  if ((pool.options.max ?? 10) < 2) {
    throw new RangeError(
      'rebuild: the pool needs at least 2 connections (one holds the rebuild, one reads the log)',
    );
  }
  signal?.throwIfAborted();
  const run = {
    pool,
    verify: options.verify === true,
    signal,
    progress: new Progress(options.onProgress),
    hooks,
  };
  return onRebuildSession(pool, (sql) =>
    storyId === undefined ? rebuildLog(sql, run) : rebuildStory(sql, storyId, run),
  );
}
