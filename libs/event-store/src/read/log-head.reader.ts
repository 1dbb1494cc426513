import type { Pool } from 'pg';
import { sqlOn } from '../postgres/pool';

/**
 * The position of the last event `readLogRecords` can return now (0 for an empty log): the same
 * xmin horizon, so a tail that starts after it misses nothing that commits later. Walks the
 * primary key backwards; only the rows of transactions still running are stepped over.
 */
export async function readLogHead(pool: Pool): Promise<number> {
  const rows = await sqlOn(pool).query<{ position: string }>(
    `SELECT e.position FROM events e
      WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY e.position DESC
      LIMIT 1`,
  );
  return rows[0] ? Number(rows[0].position) : 0;
}
