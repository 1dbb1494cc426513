import {
  STORY_STATE_SCHEMA,
  type Rejection,
  type StoryEvent,
  type StoryState,
} from '@livefeed/domain';
import type { Pool } from 'pg';
import { commitBatch } from './commit/batch.commit';
import {
  type BatchResult,
  type CommitPolicy,
  type Decider,
  type EntryHistory,
  type EventStoreHooks,
  type HistoryReadStats,
  type IncomingReport,
  type LogRecord,
  type RecordedRejection,
  type ReportOutcome,
  type StoryPointInTime,
  type StorySummary,
} from './event-store.types';
import { readEntryHistory } from './history/entry.history';
import { classifyDatabaseError } from './postgres/errors';
import { sqlOn } from './postgres/pool';
import { readLogRecords, readStateAt, readStoryEvents } from './read/log.reader';
import { readLogHead } from './read/log-head.reader';
import { readOutcome, readOutcomes, recordRejectionOutcome } from './read/outcome.store';
import { listPublicStories, readStory, readStoryVersion } from './read/story.reader';
import {
  newTally,
  writeDueSnapshots,
  type ReadTally,
  type SnapshotPolicy,
} from './snapshots/snapshot.builder';

/** Events between two stored snapshots of a story, unless the store is told otherwise. */
export const DEFAULT_SNAPSHOT_EVERY = 100;

/** How an EventStore is opened; every field may be left out. */
export interface EventStoreOptions {
  /** The domain's decider, needed only to commit (a read-only store has none). */
  readonly decide?: Decider;
  /** Seams inside the commit transaction, for crash tests. */
  readonly hooks?: EventStoreHooks;
  /** A story's state is stored every this many events (`LIVEFEED_SNAPSHOT_EVERY`); default 100. */
  readonly snapshotEvery?: number;
  /** Told what each read of the past cost (metrics; tests that bound it). */
  readonly onHistoryRead?: (stats: HistoryReadStats) => void;
}

/**
 * The event log and its projections in PostgreSQL (docs/architecture.md): decides and records reports in
 * batches, answers the read side, and replays history. Needs a pool (`createPool`) on a database
 * that `prepareDatabase` has migrated; `close` ends the pool.
 */
export class EventStore {
  private readonly decide?: Decider;
  private readonly hooks: EventStoreHooks;
  private readonly snapshots: SnapshotPolicy;
  private readonly onHistoryRead?: (stats: HistoryReadStats) => void;

  constructor(
    private readonly pool: Pool,
    options: EventStoreOptions = {},
  ) {
    this.decide = options.decide;
    this.hooks = options.hooks ?? {};
    const every = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    if (!Number.isInteger(every) || every < 1)
      throw new RangeError(`event-store: snapshotEvery must be a positive integer, not ${every}`);
    this.snapshots = { every, schema: STORY_STATE_SCHEMA };
    this.onHistoryRead = options.onHistoryRead;
  }

  /**
   * Decides `items` in order and records them in ONE transaction: events appended, projections updated,
   * outcomes recorded. Returns one result per item, same order. Report ids decided before (or earlier in
   * the batch) come back as their first outcome with `duplicate: true`. Works with a single item, which
   * is how a caller retries the items of a batch that failed for a reason other than the connection
   * (see `classifyDatabaseError`). `now` is the decision time: `recordedAt` of the events.
   *
   * Items that carry their filing sequence are decided, per story, in that order and only as far as
   * `policy.gate` admits; the rest come back `waiting`. A rejection `policy.defers` comes back
   * `deferred`, recorded nowhere.
   */
  commitBatch<T extends IncomingReport>(
    items: readonly T[],
    now: string,
    policy: CommitPolicy<T> = {},
  ): Promise<BatchResult[]> {
    if (!this.decide) throw new Error('event-store: this store was opened without a decider');
    return commitBatch(this.pool, this.decide, items, now, this.hooks, policy);
  }

  /** Records a rejection made before deciding (an invalid report); idempotent on the report id. */
  recordRejection(rejection: Rejection, now: string): Promise<RecordedRejection> {
    return recordRejectionOutcome(this.pool, rejection, now);
  }

  /** The recorded outcome of a report, or null when it was never decided. */
  getOutcome(reportId: string): Promise<ReportOutcome | null> {
    return readOutcome(this.pool, reportId);
  }

  /** The recorded outcomes of many reports in one query; ids never decided are left out. */
  getOutcomes(reportIds: readonly string[]): Promise<Map<string, ReportOutcome>> {
    return readOutcomes(this.pool, reportIds);
  }

  /** Current state from the projection tables (docs/protocol.md, "Story state"), or null when the story is unknown. */
  getStory(id: string): Promise<StoryState | null> {
    return readStory(this.pool, id);
  }

  /** Public stories, live first, newest update first. */
  listStories(): Promise<StorySummary[]> {
    return listPublicStories(this.pool);
  }

  /** Up to `limit` events of a story with versions above `afterVersion`, in version order. */
  readEvents(storyId: string, afterVersion: number, limit: number): Promise<StoryEvent[]> {
    return readStoryEvents(this.pool, storyId, afterVersion, limit);
  }

  /** The story's current version, or null when it is unknown. */
  storyVersion(id: string): Promise<number | null> {
    return readStoryVersion(this.pool, id);
  }

  /**
   * The story as of a version (beyond the head: the head) or as readers saw it at an instant (after
   * the last event recorded at or before it); null if it did not exist yet. Starts from the newest
   * stored snapshot at or before that point and folds at most `snapshotEvery` events onto it,
   * writing on the way any snapshot it finds missing (docs/architecture.md, "Snapshots").
   */
  stateAt(storyId: string, at: StoryPointInTime): Promise<StoryState | null> {
    return this.readPast('state-at', storyId, (tally) =>
      readStateAt(this.pool, storyId, at, this.snapshots, tally),
    );
  }

  /**
   * Every event that touched an entry, oldest first, each with the entry's body after it; null when
   * no event of the story names the entry (or the story is unknown). Reads only the chunks of the log
   * that the snapshots say touched the entry, and the events after the last snapshot.
   */
  entryHistory(storyId: string, entryId: string): Promise<EntryHistory | null> {
    return this.readPast('entry-history', storyId, (tally) =>
      readEntryHistory(sqlOn(this.pool), storyId, entryId, this.snapshots, tally),
    );
  }

  /**
   * Writes the snapshots due in these stories (one every `snapshotEvery` events, up to each head),
   * each folded from the one before it; idempotent, safe beside any other writer. Returns how many
   * were written. Ingest runs it after commits, outside the commit's transaction.
   */
  writeSnapshots(storyIds: readonly string[]): Promise<number> {
    return writeDueSnapshots(sqlOn(this.pool), storyIds, this.snapshots);
  }

  /** Up to `limit` events after a global position, safe to tail while batches commit. */
  readLog(afterPosition: number, limit: number): Promise<LogRecord[]> {
    return readLogRecords(this.pool, afterPosition, limit);
  }

  /** The position of the last event `readLog` can return now (0: none), where a tail of the log starts. */
  logHead(): Promise<number> {
    return readLogHead(this.pool);
  }

  private async readPast<T>(
    kind: HistoryReadStats['kind'],
    storyId: string,
    read: (tally: ReadTally) => Promise<T>,
  ): Promise<T> {
    const tally = newTally();
    const result = await read(tally);
    this.onHistoryRead?.({ kind, storyId, ...tally });
    return result;
  }

  /** Ends the pool: every connection closed once its query is done. */
  close(): Promise<void> {
    return this.pool.end();
  }

  /**
   * True when PostgreSQL answers `SELECT 1` within `timeoutMs`. A pooled connection that died while
   * idle (the server restarted) fails once and is discarded, so the probe tries a second connection
   * before calling the database unhealthy.
   */
  async isHealthy(timeoutMs = 1_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const probe = async (): Promise<boolean> => {
      const pool = this.pool;
      for (let attempt = 1; ; attempt += 1) {
        try {
          await pool.query('SELECT 1');
          return true;
        } catch (error) {
          if (attempt >= 2 || classifyDatabaseError(error) !== 'outage') return false;
        }
      }
    };
    try {
      return await Promise.race([probe().catch(() => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
