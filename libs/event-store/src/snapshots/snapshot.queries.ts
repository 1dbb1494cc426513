import type { StoryEvent, StoryState } from '@livefeed/domain';
import type { Sql } from '../postgres/pool';
import { EVENT_COLUMNS, toStoryEvent, type EventRow } from '../rows';
import type { SnapshotBase, SnapshotRecord } from './snapshot.chain';

/** The SQL of `story_snapshots` (migration 1764000000006). */

// The newest snapshot of each story at or below a version, written under the given state schema:
// the primary key read backwards, rows of another schema skipped without reading their state.
const NEWEST = `
  SELECT w.story_id, s.version, s.state
    FROM unnest($1::text[], $2::int[]) AS w(story_id, at_most)
    CROSS JOIN LATERAL (
      SELECT version, state FROM story_snapshots s
       WHERE s.story_id = w.story_id AND s.version <= w.at_most AND s.state_schema = $3
       ORDER BY s.version DESC
       LIMIT 1) s`;

/** Per story, the newest snapshot at or below `atMost` that this release can fold forward. */
export async function readNewestSnapshots(
  sql: Sql,
  wants: readonly { readonly storyId: string; readonly atMost: number }[],
  schema: number,
): Promise<Map<string, SnapshotBase>> {
  const rows = await sql.query<{ story_id: string; version: number; state: StoryState }>(NEWEST, [
    wants.map((w) => w.storyId),
    wants.map((w) => w.atMost),
    schema,
  ]);
  return new Map(rows.map((r) => [r.story_id, { version: r.version, state: r.state }]));
}

/** A stretch of a story's log: the events `after < version <= upTo`. */
export interface EventRun {
  readonly storyId: string;
  readonly after: number;
  readonly upTo: number;
}

// Each run is a range of the (story_id, version) key, read as such: LATERAL with OFFSET 0, so that the
// subquery is not flattened into a join, which the planner may answer by scanning the whole table when
// one story holds most of it.
const RUNS = `
  SELECT ${EVENT_COLUMNS}
    FROM unnest($1::text[], $2::int[], $3::int[]) WITH ORDINALITY AS w(story_id, after, up_to, n)
   CROSS JOIN LATERAL (
     SELECT * FROM events x
      WHERE x.story_id = w.story_id AND x.version > w.after AND x.version <= w.up_to
      ORDER BY x.version
     OFFSET 0) e
   ORDER BY w.n, e.version`;

/** The events of each run, in version order, through the store's one row mapper. */
export async function readEventRuns(
  sql: Sql,
  runs: readonly EventRun[],
): Promise<Map<string, StoryEvent[]>> {
  const rows = await sql.query<EventRow>(RUNS, [
    runs.map((r) => r.storyId),
    runs.map((r) => r.after),
    runs.map((r) => r.upTo),
  ]);
  const byStory = new Map<string, StoryEvent[]>(runs.map((r) => [r.storyId, []]));
  for (const row of rows) byStory.get(row.story_id)?.push(toStoryEvent(row));
  return byStory;
}

// Idempotent: a snapshot already there under the same schema stays (whoever wrote it folded the same
// events); one written by an older release is replaced. low_recorded_at comes from the log itself.
// jsonb_to_recordset, not json_to_recordset: from json text, each state would be parsed again when it
// becomes jsonb, which measured several times slower for states of a hundred KiB.
const INSERT = `
  WITH written AS (
    INSERT INTO story_snapshots
           (story_id, version, base_version, state_schema, state, low_recorded_at, entry_ids)
    SELECT x.story_id, x.version, x.base_version, $2, x.state,
           (SELECT min(e.recorded_at) FROM events e
             WHERE e.story_id = x.story_id AND e.version > x.base_version AND e.version <= x.version),
           x.entry_ids
      FROM jsonb_to_recordset($1::jsonb)
           AS x(story_id text, version integer, base_version integer, state jsonb, entry_ids text[])
    ON CONFLICT (story_id, version) DO UPDATE SET
      base_version = EXCLUDED.base_version, state_schema = EXCLUDED.state_schema,
      state = EXCLUDED.state, low_recorded_at = EXCLUDED.low_recorded_at,
      entry_ids = EXCLUDED.entry_ids
      WHERE story_snapshots.state_schema < EXCLUDED.state_schema
    RETURNING 1
  )
  SELECT count(*)::int AS n FROM written`;

/** Stores snapshots (ON CONFLICT: the first one stands); returns how many rows were written. */
export async function insertSnapshots(
  sql: Sql,
  records: readonly SnapshotRecord[],
  schema: number,
): Promise<number> {
  if (records.length === 0) return 0;
  const rows = records.map((r) => ({
    story_id: r.storyId,
    version: r.version,
    base_version: r.baseVersion,
    state: r.state,
    entry_ids: r.entryIds,
  }));
  const [row] = await sql.query<{ n: number }>(INSERT, [JSON.stringify(rows), schema]);
  return row.n;
}

/** How far a story's snapshots reach, and its head: what a look-up by snapshot chunks can trust. */
export interface SnapshotCoverage {
  /** The highest version with a snapshot, of any schema (0: none). */
  readonly covered: number;
  /** The story's last version (0: no events). */
  readonly head: number;
}

const COVERAGE = `
  SELECT (SELECT coalesce(max(version), 0) FROM story_snapshots WHERE story_id = $1) AS covered,
         (SELECT coalesce(max(version), 0) FROM events WHERE story_id = $1) AS head`;

export async function readCoverage(sql: Sql, storyId: string): Promise<SnapshotCoverage> {
  const [row] = await sql.query<{ covered: number; head: number }>(COVERAGE, [storyId]);
  return row;
}
