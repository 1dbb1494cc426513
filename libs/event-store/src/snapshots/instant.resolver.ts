import type { Sql } from '../postgres/pool';
import { writeDueSnapshots, type ReadTally, type SnapshotPolicy } from './snapshot.builder';
import { readCoverage } from './snapshot.queries';

/*
 * `?at=<instant>` is the state after the last event (by version) recorded at or before the instant.
 * recorded_at is nearly but not exactly ordered by version (two workers' clocks, a lock waited for),
 * so "the last such event" needs more than a search on one column, and an index on
 * (story_id, recorded_at) would cost every append. The snapshots answer it instead: each row holds
 * the earliest recorded_at of its chunk of events, so the answer lies in the log after the last
 * snapshot, else in the highest chunk whose earliest event is at or before the instant. Each step
 * reads at most about one chunk of the log.
 */

// Events after the last snapshot recorded by then, if any.
const IN_TAIL = `
  SELECT max(version) AS version FROM events
   WHERE story_id = $1 AND version > $2 AND recorded_at <= $3::timestamptz`;

// The highest chunk with an event recorded by then, and the last such event in it. The chunks above
// it must follow each other (base_version = the previous version) for "no later event" to hold; when
// they do not (snapshots written under two settings of N at once), the caller scans the log instead.
const IN_CHUNKS = `
  WITH s AS (
    SELECT version, base_version, low_recorded_at,
           lag(version, 1, 0) OVER (ORDER BY version) AS prev
      FROM story_snapshots WHERE story_id = $1
  ), hit AS (
    SELECT version, base_version FROM s WHERE low_recorded_at <= $2::timestamptz
     ORDER BY version DESC LIMIT 1
  )
  SELECT (SELECT version FROM hit) AS chunk_end,
         (SELECT base_version FROM hit) AS chunk_base,
         coalesce((SELECT bool_and(s.base_version = s.prev) FROM s
                    WHERE s.version > coalesce((SELECT version FROM hit), 0)), true) AS chained,
         (SELECT max(e.version) FROM events e, hit
           WHERE e.story_id = $1 AND e.version > hit.base_version AND e.version <= hit.version
             AND e.recorded_at <= $2::timestamptz) AS found`;

// The answer from the log alone, through the (story_id, version) key: the whole story.
const SCAN = `
  SELECT max(version) AS version FROM events WHERE story_id = $1 AND recorded_at <= $2::timestamptz`;

/** The version readers saw at `instant` (null: the story did not exist yet, or at all). */
export async function versionAtInstant(
  sql: Sql,
  storyId: string,
  instant: string,
  policy: SnapshotPolicy,
  tally: ReadTally,
): Promise<number | null> {
  let coverage = await readCoverage(sql, storyId);
  if (coverage.head === 0) return null;
  if (coverage.head - coverage.covered >= policy.every) {
    tally.snapshotsWritten += await writeDueSnapshots(sql, [storyId], policy);
    coverage = await readCoverage(sql, storyId);
  }
  tally.eventsScanned += coverage.head - coverage.covered;
  const [tail] = await sql.query<{ version: number | null }>(IN_TAIL, [
    storyId,
    coverage.covered,
    instant,
  ]);
  if (tail.version !== null) return tail.version;
  if (coverage.covered === 0) return null;

  const [chunk] = await sql.query<{
    chunk_end: number | null;
    chunk_base: number | null;
    chained: boolean;
    found: number | null;
  }>(IN_CHUNKS, [storyId, instant]);
  if (chunk.chained && chunk.chunk_end === null) return null;
  if (chunk.chained && chunk.found !== null) {
    tally.eventsScanned += (chunk.chunk_end ?? 0) - (chunk.chunk_base ?? 0);
    return chunk.found;
  }
  tally.eventsScanned += coverage.head;
  const [scan] = await sql.query<{ version: number | null }>(SCAN, [storyId, instant]);
  return scan.version;
}
