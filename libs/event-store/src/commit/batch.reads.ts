import type { Rejection, RejectionCode, Report, StoryEvent } from '@livefeed/domain';
import type { Sql } from '../postgres/pool';
import { isoFromJson } from '../postgres/timestamps';
import { EVENT_COLUMNS, rowsByStory, toStoryEvent } from '../rows';
import type { EventRow, ProjectionRowsJson } from '../rows';
import type { LoadedStory } from './story.workspace';

/** A report decided before: its first outcome stands (docs/protocol.md, "Reports in"). */
export type PriorOutcome =
  | { readonly status: 'accepted'; readonly event: StoryEvent }
  | { readonly status: 'rejected'; readonly rejection: Rejection };

/** An outcome row joined with its event (absent for rejections). */
export interface OutcomeRow extends Partial<EventRow> {
  readonly outcome_report_id: string;
  readonly outcome_story_id: string;
  readonly status: 'accepted' | 'rejected';
  readonly code: RejectionCode | null;
  readonly message: string | null;
}

export const OUTCOME_WITH_EVENT = `
  SELECT o.report_id AS outcome_report_id, o.story_id AS outcome_story_id, o.status, o.code, o.message,
         ${EVENT_COLUMNS}
    FROM report_outcomes o
    LEFT JOIN events e ON e.report_id = o.report_id`;

export function toPriorOutcome(row: OutcomeRow): PriorOutcome {
  if (row.status === 'accepted') {
    if (row.report_id === undefined || row.report_id === null) {
      throw new Error(
        `event-store: report ${row.outcome_report_id} is accepted but its event is missing`,
      );
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

export interface BatchState {
  /** Outcomes already recorded for the batch's report ids, with the original event of accepted ones. */
  readonly prior: Map<string, PriorOutcome>;
  /** Each story's row plus the entries and figures the reports name. */
  readonly stories: Map<string, LoadedStory>;
  /** Each story's place in filing order: the last admitted report's sequence (absent: none yet). */
  readonly lastSeqs: Map<string, number>;
}

// One statement, one round trip and one snapshot for everything the batch needs to decide. Each part is
// aggregated to JSON, so one row carries six result sets. Keys are joined from unnest() rather than
// matched with "= ANY(array)": hundreds of ids made that a sequential scan testing each row against the
// whole array.
const LOAD_BATCH_STATE = `
  SELECT
    (SELECT coalesce(json_agg(x), '[]')
       FROM (${OUTCOME_WITH_EVENT} WHERE o.report_id IN (SELECT unnest($1::text[]))) AS x) AS outcomes,
    (SELECT coalesce(json_agg(s), '[]') FROM unnest($2::text[]) AS k(id) JOIN stories s USING (id)) AS stories,
    (SELECT coalesce(json_agg(e), '[]')
       FROM unnest($3::text[], $4::text[]) AS k(story_id, entry_id) JOIN entries e USING (story_id, entry_id)) AS entries,
    (SELECT coalesce(json_agg(f), '[]')
       FROM unnest($5::text[], $6::text[]) AS k(story_id, figure_id) JOIN figures f USING (story_id, figure_id)) AS figures,
    (SELECT coalesce(json_agg(c), '[]')
       FROM unnest($5::text[], $6::text[]) AS k(story_id, figure_id) JOIN figure_claims c USING (story_id, figure_id)) AS claims,
    (SELECT coalesce(json_agg(f), '[]') FROM unnest($2::text[]) AS k(id) JOIN story_filing f ON f.story_id = k.id) AS filing`;

interface LoadedRow extends ProjectionRowsJson {
  readonly outcomes: OutcomeRow[];
  readonly filing: Array<{ readonly story_id: string; readonly last_seq: number }>;
}

/** Reads what deciding the batch needs. Call it only once the batch's story locks are held. */
export async function readBatchState(
  sql: Sql,
  reports: readonly Report[],
  storyIds: readonly string[],
): Promise<BatchState> {
  const entryKeys = keysOf(reports, (r) => ('entryId' in r.data ? r.data.entryId : undefined));
  const figureKeys = keysOf(reports, (r) =>
    r.type === 'figure.reported' ? r.data.figureId : undefined,
  );
  const [row] = await sql.query<LoadedRow>(
    LOAD_BATCH_STATE,
    [
      [...new Set(reports.map((r) => r.id))],
      storyIds,
      entryKeys.storyIds,
      entryKeys.ids,
      figureKeys.storyIds,
      figureKeys.ids,
    ],
    // Prepared: planning it cost as much as running it. A plan cached while the tables were small
    // would keep their sequential scans as they grow, so the transaction runs it with sequential
    // scans, hash and merge joins off (see commitBatch): index lookups by key, at any size.
    'livefeed_load_batch',
  );

  const prior = new Map<string, PriorOutcome>();
  for (const o of row.outcomes)
    prior.set(o.outcome_report_id, toPriorOutcome(eventTimesFromJson(o)));
  const stories = rowsByStory(row, storyIds);
  const lastSeqs = new Map(row.filing.map((f) => [f.story_id, Number(f.last_seq)]));
  return { prior, stories, lastSeqs };
}

function eventTimesFromJson(o: OutcomeRow): OutcomeRow {
  return o.occurred_at && o.recorded_at
    ? { ...o, occurred_at: isoFromJson(o.occurred_at), recorded_at: isoFromJson(o.recorded_at) }
    : o;
}

function keysOf(reports: readonly Report[], idOf: (r: Report) => string | undefined) {
  const seen = new Set<string>();
  const storyIds: string[] = [];
  const ids: string[] = [];
  for (const report of reports) {
    const id = idOf(report);
    if (id === undefined) continue;
    // Story ids and entry/figure ids never contain a space.
    const key = `${report.storyId} ${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    storyIds.push(report.storyId);
    ids.push(id);
  }
  return { storyIds, ids };
}
