import type { Rejection, RejectionCode, Report, StoryEvent } from '@livefeed/domain';
import type { Sql } from '../postgres/pool';
import { EVENT_COLUMNS, toStoryEvent, type ClaimRow, type EntryRow, type EventRow, type FigureRow, type StoryRow } from '../read/rows';
import type { LoadedStory } from './story-workspace';

/** A report decided before: its first outcome stands (CONTRACT section 1). */
export type PriorOutcome =
  | { readonly status: 'accepted'; readonly event: StoryEvent }
  | { readonly status: 'rejected'; readonly rejection: Rejection };

interface OutcomeRow extends Partial<EventRow> {
  readonly outcome_report_id: string;
  readonly outcome_story_id: string;
  readonly status: 'accepted' | 'rejected';
  readonly code: RejectionCode | null;
  readonly message: string | null;
}

/** Outcomes already recorded for these report ids, with the original event of each accepted one. */
export async function readPriorOutcomes(sql: Sql, reportIds: readonly string[]): Promise<Map<string, PriorOutcome>> {
  const rows = await sql.query<OutcomeRow>(
    `SELECT o.report_id AS outcome_report_id, o.story_id AS outcome_story_id, o.status, o.code, o.message,
            ${EVENT_COLUMNS}
       FROM report_outcomes o
       LEFT JOIN events e ON e.report_id = o.report_id
      WHERE o.report_id = ANY($1::text[])`,
    [reportIds],
  );
  const outcomes = new Map<string, PriorOutcome>();
  for (const row of rows) outcomes.set(row.outcome_report_id, toPriorOutcome(row));
  return outcomes;
}

export function toPriorOutcome(row: OutcomeRow): PriorOutcome {
  if (row.status === 'accepted') {
    if (row.report_id === undefined || row.report_id === null) {
      throw new Error(`event-store: report ${row.outcome_report_id} is accepted but its event is missing`);
    }
    return { status: 'accepted', event: toStoryEvent(row as EventRow) };
  }
  return {
    status: 'rejected',
    rejection: {
      reportId: row.outcome_report_id,
      storyId: row.outcome_story_id,
      code: row.code ?? 'invalid',
      message: row.message ?? '',
    },
  };
}

/**
 * Each story's row plus the entries and figures the reports name: four statements for the whole batch
 * (fewer when no report names an entry or a figure).
 */
export async function readStories(
  sql: Sql,
  storyIds: readonly string[],
  reports: readonly Report[],
): Promise<Map<string, LoadedStory>> {
  const entryKeys = keysOf(reports, (r) => ('entryId' in r.data ? r.data.entryId : undefined));
  const figureKeys = keysOf(reports, (r) => (r.type === 'figure.reported' ? r.data.figureId : undefined));

  const stories = await sql.query<StoryRow>(`SELECT * FROM stories WHERE id = ANY($1::text[])`, [storyIds]);
  const entries = entryKeys.storyIds.length
    ? await sql.query<EntryRow>(
        `SELECT e.* FROM unnest($1::text[], $2::text[]) AS k(story_id, entry_id)
           JOIN entries e USING (story_id, entry_id)`,
        [entryKeys.storyIds, entryKeys.ids],
      )
    : [];
  const figures = figureKeys.storyIds.length
    ? await sql.query<FigureRow>(
        `SELECT f.* FROM unnest($1::text[], $2::text[]) AS k(story_id, figure_id)
           JOIN figures f USING (story_id, figure_id)`,
        [figureKeys.storyIds, figureKeys.ids],
      )
    : [];
  const claims = figures.length
    ? await sql.query<ClaimRow>(
        `SELECT c.* FROM unnest($1::text[], $2::text[]) AS k(story_id, figure_id)
           JOIN figure_claims c USING (story_id, figure_id)`,
        [figures.map((f) => f.story_id), figures.map((f) => f.figure_id)],
      )
    : [];

  const loaded = new Map<string, { story: StoryRow | undefined; entries: EntryRow[]; figures: FigureRow[]; claims: ClaimRow[] }>();
  for (const id of storyIds) loaded.set(id, { story: undefined, entries: [], figures: [], claims: [] });
  const of = (id: string) => loaded.get(id)!;
  for (const s of stories) of(s.id).story = s;
  for (const e of entries) of(e.story_id).entries.push(e);
  for (const f of figures) of(f.story_id).figures.push(f);
  for (const c of claims) of(c.story_id).claims.push(c);
  return loaded;
}

function keysOf(reports: readonly Report[], idOf: (r: Report) => string | undefined) {
  const seen = new Set<string>();
  const storyIds: string[] = [];
  const ids: string[] = [];
  for (const report of reports) {
    const id = idOf(report);
    if (id === undefined) continue;
    const key = `${report.storyId} ${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    storyIds.push(report.storyId);
    ids.push(id);
  }
  return { storyIds, ids };
}
