import type { Pool } from 'pg';

/** The first event of a generated story occurred at this instant, the next one a second later, … */
export const LONG_STORY_START = Date.parse('2026-11-24T08:00:00.000Z');
/** Events per generated entry: one post, then edits, pins, figures and titles about it. */
export const EVENTS_PER_ENTRY = 100;

/**
 * Appends a long, valid story straight into `events` with one INSERT … SELECT (a commit per report
 * would take minutes): `story.opened` at version 1, then blocks of `EVENTS_PER_ENTRY` events, each
 * posting entry `e<block>` and then editing it (some edits with a correction), pinning and unpinning
 * it, reporting figures from three sources and renaming the story; every third entry is retracted at
 * the end of its block. Event `v` occurred at `LONG_STORY_START + v` seconds and was recorded half a
 * second later, except that every 1000th (v ≡ 7) was recorded 3.5 s early, before its predecessors:
 * two workers whose clocks disagree. The projection tables are not written.
 */
export async function insertLongStory(pool: Pool, storyId: string, events: number): Promise<void> {
  await pool.query(
    `WITH g AS (
       SELECT v, (v - 2) / ${EVENTS_PER_ENTRY} AS b, (v - 2) % ${EVENTS_PER_ENTRY} AS p
         FROM generate_series(1, $2::int) AS v
     ), t AS (
       SELECT v, b, p,
              CASE
                WHEN v = 1 THEN 'story.opened'
                WHEN p = 0 THEN 'entry.posted'
                WHEN p = ${EVENTS_PER_ENTRY - 1} AND b % 3 = 0 THEN 'entry.retracted'
                WHEN p = ${EVENTS_PER_ENTRY - 1} THEN 'entry.unpinned'
                WHEN p % 6 = 0 THEN 'figure.reported'
                WHEN p % 6 IN (1, 5) THEN 'entry.edited'
                WHEN p % 6 = 2 THEN 'entry.pinned'
                WHEN p % 6 = 3 THEN 'entry.unpinned'
                ELSE 'story.updated'
              END AS type
         FROM g
     )
     INSERT INTO events (story_id, version, type, data, report_id, author, occurred_at, recorded_at)
     SELECT $1, v, type,
            CASE type
              WHEN 'story.opened' THEN
                jsonb_build_object('title', 'A long story', 'summary', null, 'visibility', 'public')
              WHEN 'entry.posted' THEN
                jsonb_build_object('entryId', 'e' || b, 'body', '<p>Entry ' || b || ' as posted.</p>',
                                   'kind', 'update')
              WHEN 'entry.edited' THEN
                jsonb_build_object('entryId', 'e' || b,
                                   'body', '<p>Entry ' || b || ', revision ' || p || '.</p>')
                || CASE WHEN p % 5 = 1 THEN jsonb_build_object('correction', 'fixed at ' || p)
                        ELSE '{}'::jsonb END
              WHEN 'entry.retracted' THEN jsonb_build_object('entryId', 'e' || b, 'reason', 'wrong')
              WHEN 'figure.reported' THEN
                jsonb_build_object('figureId', 'deaths', 'label', 'Killed', 'value', v,
                                   'qualifier', 'exact', 'unit', null,
                                   'source', jsonb_build_object('name', 'src' || (p % 3)))
              WHEN 'story.updated' THEN jsonb_build_object('title', 'A long story, ' || v)
              ELSE jsonb_build_object('entryId', 'e' || b)
            END,
            $1 || '-' || v, 'desk:generator',
            to_timestamp($3::float8 / 1000 + v),
            to_timestamp($3::float8 / 1000 + v + CASE WHEN v % 1000 = 7 THEN -3 ELSE 0.5 END)
       FROM t`,
    [storyId, events, LONG_STORY_START],
  );
}
