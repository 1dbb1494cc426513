import type { StoryEvent, StoryState } from '@livefeed/domain';
import type { Pool } from 'pg';
import type { LogRecord, StoryPointInTime } from '../event-store.types';
import { sqlOn } from '../postgres/pool';
import { EVENT_COLUMNS, toStoryEvent, type EventRow } from '../rows';
import { versionAtInstant } from '../snapshots/instant.resolver';
import {
  MAX_VERSION,
  stateAtVersion,
  type ReadTally,
  type SnapshotPolicy,
} from '../snapshots/snapshot.builder';

/** A story's events after `afterVersion`, in version order. */
export async function readStoryEvents(
  pool: Pool,
  storyId: string,
  afterVersion: number,
  limit: number,
): Promise<StoryEvent[]> {
  const rows = await sqlOn(pool).query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e
      WHERE e.story_id = $1 AND e.version > $2
      ORDER BY e.version
      LIMIT $3`,
    [storyId, afterVersion, limit],
  );
  return rows.map(toStoryEvent);
}

/**
 * The story as of a point of its log, from the newest usable snapshot at or before it plus at most
 * `policy.every` events (docs/architecture.md, "Snapshots"). By instant: up to the last event recorded
 * at or before it, and every event before that one, so the result is always a prefix of the log even
 * if two workers' clocks disagree a little about `recorded_at`.
 */
export async function readStateAt(
  pool: Pool,
  storyId: string,
  at: StoryPointInTime,
  policy: SnapshotPolicy,
  tally: ReadTally,
): Promise<StoryState | null> {
  const sql = sqlOn(pool);
  let version: number | null;
  if ('version' in at) {
    if (Number.isNaN(at.version)) throw new RangeError('not a version: NaN');
    version = Math.min(Math.floor(at.version), MAX_VERSION);
  } else {
    if (Number.isNaN(Date.parse(at.instant)))
      throw new RangeError(`not an ISO-8601 instant: ${at.instant}`);
    version = await versionAtInstant(sql, storyId, at.instant, policy, tally);
  }
  return version === null ? null : stateAtVersion(sql, storyId, version, policy, tally);
}

/**
 * Events by global position, for whole-log replays and projection rebuilds that tail the log while
 * writers commit. Only rows of transactions older than every transaction still running are returned:
 * a position can be taken by a transaction that commits after a higher one is already visible, and a
 * tail that stepped past it would never see it. commitBatch hands out positions in transaction order,
 * so below that horizon the log has no holes left to fill. The price: a long-running writing transaction
 * elsewhere in the database holds the tail back until it ends.
 */
export async function readLogRecords(
  pool: Pool,
  afterPosition: number,
  limit: number,
): Promise<LogRecord[]> {
  const rows = await sqlOn(pool).query<EventRow & { position: string }>(
    `SELECT e.position, ${EVENT_COLUMNS} FROM events e
      WHERE e.position > $1
        AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY e.position
      LIMIT $2`,
    [afterPosition, limit],
  );
  return rows.map((row) => ({ position: Number(row.position), event: toStoryEvent(row) }));
}
