import type { Rejection } from '@livefeed/domain';
import type { Pool } from 'pg';
import { OUTCOME_WITH_EVENT, toPriorOutcome, type OutcomeRow } from '../commit/batch.reads';
import type { RecordedRejection, ReportOutcome } from '../event-store.types';
import { sqlOn, withClient } from '../postgres/pool';
import { storableText } from '../postgres/text-safety';

interface ReportOutcomeRow {
  readonly report_id: string;
  readonly story_id: string;
  readonly status: 'accepted' | 'rejected';
  readonly version: number | null;
  readonly code: ReportOutcome['code'] | null;
  readonly message: string | null;
}

export async function readOutcome(pool: Pool, reportId: string): Promise<ReportOutcome | null> {
  const rows = await sqlOn(pool).query<ReportOutcomeRow>(
    'SELECT report_id, story_id, status, version, code, message FROM report_outcomes WHERE report_id = $1',
    [reportId],
  );
  return rows[0] ? toReportOutcome(rows[0]) : null;
}

/** The recorded outcomes of many reports at once; ids never decided are absent from the map. */
export async function readOutcomes(
  pool: Pool,
  reportIds: readonly string[],
): Promise<Map<string, ReportOutcome>> {
  const outcomes = new Map<string, ReportOutcome>();
  if (reportIds.length === 0) return outcomes;
  // The primary key on report_id serves `= ANY`, one index probe per id.
  const rows = await sqlOn(pool).query<ReportOutcomeRow>(
    'SELECT report_id, story_id, status, version, code, message FROM report_outcomes WHERE report_id = ANY($1::text[])',
    [reportIds],
  );
  for (const row of rows) outcomes.set(row.report_id, toReportOutcome(row));
  return outcomes;
}

function toReportOutcome(row: ReportOutcomeRow): ReportOutcome {
  return row.status === 'accepted'
    ? {
        reportId: row.report_id,
        status: 'accepted',
        storyId: row.story_id,
        version: row.version ?? undefined,
      }
    : {
        reportId: row.report_id,
        status: 'rejected',
        storyId: row.story_id,
        code: row.code ?? undefined,
        message: row.message ?? undefined,
      };
}

/**
 * Records a rejection made before `decide` (an invalid report), unless the report id was decided
 * already: then the first outcome stands, an acceptance included. The unique key decides, not a
 * read-then-write check; ON CONFLICT also waits for a batch that is recording the same id right now.
 */
export async function recordRejectionOutcome(
  pool: Pool,
  rejection: Rejection,
  now: string,
): Promise<RecordedRejection> {
  const safe = storableText(rejection);
  return withClient(pool, async (sql) => {
    const inserted = await sql.query(
      `INSERT INTO report_outcomes (report_id, story_id, status, code, message, decided_at)
       VALUES ($1, $2, 'rejected', $3, $4, $5)
       ON CONFLICT (report_id) DO NOTHING
       RETURNING report_id`,
      [safe.reportId, safe.storyId, safe.code, safe.message, now],
    );
    if (inserted.length) return { duplicate: false, first: safe };
    const [row] = await sql.query<OutcomeRow>(`${OUTCOME_WITH_EVENT} WHERE o.report_id = $1`, [
      safe.reportId,
    ]);
    if (!row) throw new Error(`event-store: outcome of ${safe.reportId} vanished`);
    const prior = toPriorOutcome(row);
    return {
      duplicate: true,
      first: prior.status === 'accepted' ? { accepted: prior.event } : prior.rejection,
    };
  });
}
