import { CURRENT_EVENT_SCHEMA, type Rejection, type StoryEvent } from '@livefeed/domain';
import { LOCK_SPACE } from '../postgres/locks';
import type { Sql } from '../postgres/pool';
import type { StoryChanges } from './story.workspace';

/*
 * Two statements write a whole batch, whatever its size: the append, then every projection table and the
 * outcomes together. Rows travel as one JSON document per table, expanded by json_to_recordset: a native
 * JSON.stringify on our side instead of escaping thousands of array elements in JavaScript, which
 * measured as the cheaper end to end.
 */

// The lock, the INSERT and the unlock in one round trip. The lock is an InitPlan behind a one-time
// filter, so it is held before the first row takes a position and an xid; the unlock is evaluated only
// after count(*) has consumed every inserted row. Why the lock: see `batch.commit.ts`.
const APPEND_EVENTS = `
  WITH appended AS (
    INSERT INTO events (story_id, version, type, schema_version, data, report_id, author, occurred_at,
                        recorded_at)
    SELECT s, v, t, $3::smallint, d, r, a, o, w
      FROM json_to_recordset($1::json)
           AS x(s text, v integer, t text, d jsonb, r text, a text, o timestamptz, w timestamptz)
     WHERE (SELECT pg_advisory_lock($2::int, 0)) IS NOT NULL
    RETURNING 1
  )
  SELECT pg_advisory_unlock($2::int, 0) AS unlocked FROM (SELECT count(*) FROM appended) AS done`;

/**
 * Appends the events in global-position order with other writers (see `batch.commit.ts`). Must be the
 * transaction's first write. `(story_id, version)` and `report_id` uniqueness guard the log against any
 * bug; if they fire, the session lock is still held and the caller must discard the connection.
 */
export async function appendEvents(sql: Sql, events: readonly StoryEvent[]): Promise<void> {
  const rows = events.map((e) => ({
    s: e.storyId,
    v: e.version,
    t: e.type,
    d: e.data,
    r: e.reportId,
    a: e.author,
    o: e.occurredAt,
    w: e.recordedAt,
  }));
  // Every event decide makes is in today's shape, written as such (the column's default, 1, is for rows
  // an older release writes).
  await sql.query(
    APPEND_EVENTS,
    [JSON.stringify(rows), LOCK_SPACE.logOrder, CURRENT_EVENT_SCHEMA],
    'livefeed_append',
  );
}

/** The four projection tables: the live ones, or the fresh copies a rebuild fills (`rebuild/`). */
export interface ProjectionTables {
  readonly stories: string;
  readonly entries: string;
  readonly figures: string;
  readonly claims: string;
}

export const LIVE_PROJECTIONS: ProjectionTables = {
  stories: 'stories',
  entries: 'entries',
  figures: 'figures',
  claims: 'figure_claims',
};

/** CTEs upserting the four tables of `t` from the documents `$1`…`$4` of `projectionDocuments`. */
function projectionCtes(t: ProjectionTables): string {
  return `stories_written AS (
    INSERT INTO ${t.stories} (id, title, summary, status, visibility, version, opened_at, updated_at)
    SELECT * FROM json_to_recordset($1::json) AS x(id text, title text, summary text, status text,
           visibility text, version integer, opened_at timestamptz, updated_at timestamptz)
    ON CONFLICT (id) DO UPDATE SET
      title = EXCLUDED.title, summary = EXCLUDED.summary, status = EXCLUDED.status,
      visibility = EXCLUDED.visibility, version = EXCLUDED.version, opened_at = EXCLUDED.opened_at,
      updated_at = EXCLUDED.updated_at
  ), entries_written AS (
    INSERT INTO ${t.entries} (story_id, entry_id, kind, body, author, sources, posted_at, posted_version,
                         edited_at, corrections, pinned, retracted_reason, retracted_at)
    SELECT * FROM json_to_recordset($2::json) AS x(story_id text, entry_id text, kind text, body text,
           author text, sources jsonb, posted_at timestamptz, posted_version integer, edited_at timestamptz,
           corrections jsonb, pinned boolean, retracted_reason text, retracted_at timestamptz)
    ON CONFLICT (story_id, entry_id) DO UPDATE SET
      kind = EXCLUDED.kind, body = EXCLUDED.body, author = EXCLUDED.author, sources = EXCLUDED.sources,
      posted_at = EXCLUDED.posted_at, posted_version = EXCLUDED.posted_version, edited_at = EXCLUDED.edited_at,
      corrections = EXCLUDED.corrections, pinned = EXCLUDED.pinned,
      retracted_reason = EXCLUDED.retracted_reason, retracted_at = EXCLUDED.retracted_at
  ), figures_written AS (
    INSERT INTO ${t.figures} (story_id, figure_id, label, unit, first_version)
    SELECT * FROM json_to_recordset($3::json)
           AS x(story_id text, figure_id text, label text, unit text, first_version integer)
    ON CONFLICT (story_id, figure_id) DO UPDATE SET
      label = EXCLUDED.label, unit = EXCLUDED.unit, first_version = EXCLUDED.first_version
  ), claims_written AS (
    INSERT INTO ${t.claims} (story_id, figure_id, source_name, source, value, qualifier, reported_at,
                               first_version)
    SELECT * FROM json_to_recordset($4::json) AS x(story_id text, figure_id text, source_name text,
           source jsonb, value double precision, qualifier text, reported_at timestamptz, first_version integer)
    ON CONFLICT (story_id, figure_id, source_name) DO UPDATE SET
      source = EXCLUDED.source, value = EXCLUDED.value, qualifier = EXCLUDED.qualifier,
      reported_at = EXCLUDED.reported_at, first_version = EXCLUDED.first_version
  )`;
}

// Data-modifying CTEs all run to completion, in one statement; each touches its own table.
const WRITE_PROJECTIONS_AND_OUTCOMES = `
  WITH ${projectionCtes(LIVE_PROJECTIONS)}, filing_written AS (
    INSERT INTO story_filing (story_id, last_seq)
    SELECT * FROM json_to_recordset($7::json) AS x(story_id text, last_seq bigint)
    ON CONFLICT (story_id) DO UPDATE SET last_seq = greatest(story_filing.last_seq, EXCLUDED.last_seq)
  )
  INSERT INTO report_outcomes (report_id, story_id, status, version, code, message, decided_at)
  SELECT i, s, CASE WHEN c IS NULL THEN 'accepted' ELSE 'rejected' END, v, c, m, $6::timestamptz
    FROM json_to_recordset($5::json) AS x(i text, s text, v integer, c text, m text)`;

/** What the batch decided, one row per report decided (deferred and duplicate ones write nothing). */
export type OutcomeWrite =
  | { readonly status: 'accepted'; readonly event: StoryEvent }
  | { readonly status: 'rejected'; readonly rejection: Rejection };

/**
 * Writes the stories, entries, figures and claims the batch changed, as `evolve` left them, the
 * outcome of every report decided, and each story's new place in filing order.
 */
export async function writeProjectionsAndOutcomes(
  sql: Sql,
  changes: readonly StoryChanges[],
  outcomes: readonly OutcomeWrite[],
  filing: ReadonlyMap<string, number>,
  decidedAt: string,
): Promise<void> {
  if (changes.length === 0 && outcomes.length === 0 && filing.size === 0) return;
  const decided = outcomes.map((o) =>
    o.status === 'accepted'
      ? { i: o.event.reportId, s: o.event.storyId, v: o.event.version }
      : {
          i: o.rejection.reportId,
          s: o.rejection.storyId,
          c: o.rejection.code,
          m: o.rejection.message,
        },
  );
  await sql.query(
    WRITE_PROJECTIONS_AND_OUTCOMES,
    [
      ...projectionDocuments(changes),
      JSON.stringify(decided),
      decidedAt,
      JSON.stringify([...filing].map(([story_id, last_seq]) => ({ story_id, last_seq }))),
    ],
    'livefeed_write_projections',
  );
}

/**
 * Upserts the rows of `changes` into the projection tables `tables` (a rebuild's fresh copies): the
 * same rows, built by the same code, as a commit writes into the live tables.
 */
export async function writeProjections(
  sql: Sql,
  changes: readonly StoryChanges[],
  tables: ProjectionTables,
): Promise<void> {
  if (changes.length === 0) return;
  await sql.query(`WITH ${projectionCtes(tables)} SELECT 1`, projectionDocuments(changes));
}

/** The rows of the four projection tables, one JSON document per table (`$1`…`$4`), read off the evolved state. */
function projectionDocuments(changes: readonly StoryChanges[]): [string, string, string, string] {
  const stories = changes.map(({ state: s }) => ({
    id: s.id,
    title: s.title,
    summary: s.summary,
    status: s.status,
    visibility: s.visibility,
    version: s.version,
    opened_at: s.openedAt,
    updated_at: s.updatedAt,
  }));
  const entries = changes.flatMap((c) =>
    c.entries.map(({ entry, postedVersion }) => ({
      story_id: c.state.id,
      entry_id: entry.entryId,
      kind: entry.kind,
      body: entry.body,
      author: entry.author,
      sources: entry.sources,
      posted_at: entry.postedAt,
      posted_version: postedVersion,
      edited_at: entry.editedAt,
      corrections: entry.corrections,
      pinned: entry.pinned,
      retracted_reason: entry.retracted?.reason ?? null,
      retracted_at: entry.retracted?.at ?? null,
    })),
  );
  const figures = changes.flatMap((c) =>
    c.figures.map(({ figure, firstVersion }) => ({
      story_id: c.state.id,
      figure_id: figure.figureId,
      label: figure.label,
      unit: figure.unit,
      first_version: firstVersion,
    })),
  );
  const claims = changes.flatMap((c) =>
    c.claims.map(({ figureId, claim, firstVersion }) => ({
      story_id: c.state.id,
      figure_id: figureId,
      source_name: claim.source.name,
      source: claim.source,
      value: claim.value,
      qualifier: claim.qualifier,
      reported_at: claim.reportedAt,
      first_version: firstVersion,
    })),
  );
  return [
    JSON.stringify(stories),
    JSON.stringify(entries),
    JSON.stringify(figures),
    JSON.stringify(claims),
  ];
}
