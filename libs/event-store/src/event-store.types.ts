import type {
  Decision,
  Rejection,
  RejectionCode,
  Report,
  StoryEvent,
  StoryState,
} from '@livefeed/domain';

/** One report handed to `commitBatch`. */
export interface IncomingReport {
  readonly report: Report;
  /**
   * Where the report was filed: its sequence on the reports stream. Each story's reports are decided
   * in this order (see `FilingGate`). Absent for a report that has no place there (tests, tools): it
   * is decided as it comes and moves no story's place.
   */
  readonly seq?: number;
}

/** The domain's decider (`decide` of @livefeed/domain), which the store runs and never second-guesses. */
export type Decider = (state: StoryState | null, report: Report, now: string) => Decision;

/** How the caller wants a batch committed, beyond deciding it. */
export interface CommitPolicy<T extends IncomingReport = IncomingReport> {
  /**
   * Whether a rejection is left unrecorded so that the report can be filed again later: the item comes
   * back `deferred` (a report that may only be too early, docs/architecture.md). Default: never.
   */
  readonly defers?: (item: T, rejection: Rejection) => boolean;
  /** How far each story's sequenced reports may go (default: all of them). */
  readonly gate?: FilingGate;
}

/** A story's reports in a batch, for the filing gate: what was admitted before, and what waits now. */
export interface FilingQueue {
  readonly storyId: string;
  /** Sequence of the last report of the story admitted so far (0: none). */
  readonly lastSeq: number;
  /** The batch's sequences for the story, ascending. */
  readonly seqs: readonly number[];
}

/**
 * Decides, under the batch's story locks, how many of each story's reports (a prefix of `seqs`) may be
 * decided now: those that no earlier-filed report of the same story still waits for. The rest come
 * back as `waiting`, recorded nowhere. Stories it leaves out admit nothing.
 */
export type FilingGate = (queues: readonly FilingQueue[]) => Promise<ReadonlyMap<string, number>>;

/** Admits everything in the order given: for callers that file no stream sequence. */
export const ADMIT_ALL: FilingGate = (queues) =>
  Promise.resolve(new Map(queues.map((q) => [q.storyId, q.seqs.length])));

/**
 * What became of one report, in the batch's order. `duplicate` is true when the report id had already
 * been decided (earlier, or earlier in the same batch): the first outcome is returned, and for an
 * accepted report the original event, so the caller can publish it again.
 */
export type BatchResult =
  | { readonly kind: 'accepted'; readonly event: StoryEvent; readonly duplicate: boolean }
  | { readonly kind: 'rejected'; readonly rejection: Rejection; readonly duplicate: boolean }
  | { readonly kind: 'deferred'; readonly rejection: Rejection }
  /** Not decided: a report of its story filed before it has not been decided yet. */
  | { readonly kind: 'waiting' };

/** Seams inside the batch transaction, for crash tests (the failpoints of issue 2). */
export interface EventStoreHooks {
  /** After every report was decided, before anything is written. */
  afterDecide?(): void;
  /** After the events and projections are written, before COMMIT. */
  afterAppend?(): void;
}

/** `GET /api/reports/:id` (docs/protocol.md, "HTTP") minus the `unknown` case, which is `null`. */
export interface ReportOutcome {
  readonly reportId: string;
  readonly status: 'accepted' | 'rejected';
  readonly storyId: string;
  readonly version?: number;
  readonly code?: RejectionCode;
  readonly message?: string;
}

export interface RecordedRejection {
  /** True when the report id had been decided before; `first` is then that first outcome. */
  readonly duplicate: boolean;
  readonly first: Rejection | { readonly accepted: StoryEvent };
}

/** A line of `GET /api/stories` (docs/protocol.md, "HTTP"). */
export interface StorySummary {
  readonly id: string;
  readonly title: string;
  readonly status: 'live' | 'closed';
  readonly visibility: 'public' | 'private';
  readonly version: number;
  readonly updatedAt: string;
}

/** A story as of a version, or as readers saw it at an instant (events recorded at or before it). */
export type StoryPointInTime = { readonly version: number } | { readonly instant: string };

/** An event with its global position, for whole-log replays. */
export interface LogRecord {
  readonly position: number;
  readonly event: StoryEvent;
}

/** One event that touched an entry (docs/protocol.md, "HTTP", entry history). */
export interface EntryRevision {
  readonly version: number;
  readonly type: StoryEvent['type'];
  /** The entry's body after this event; null once retracted. */
  readonly body: string | null;
  /** The public correction note of an edit that carried one. */
  readonly correction: string | null;
  /** Why the entry was retracted, for `entry.retracted`. */
  readonly reason: string | null;
  readonly author: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
}

/** `GET /api/stories/:id/entries/:entryId/history`: every event that touched the entry, oldest first. */
export interface EntryHistory {
  readonly storyId: string;
  readonly entryId: string;
  readonly revisions: readonly EntryRevision[];
}

/** What one read of the past cost (`stateAt`, `entryHistory`): for metrics, and tests that bound it. */
export interface HistoryReadStats {
  readonly kind: 'state-at' | 'entry-history';
  readonly storyId: string;
  /** The version of the stored snapshot the fold started from (0: the start of the log). */
  readonly fromSnapshot: number;
  /** Event rows read to fold (or to list, for an entry's history). */
  readonly eventsFolded: number;
  /** Versions of the log looked through: the rows folded and the ranges that located an instant or an entry. */
  readonly eventsScanned: number;
  /** Snapshots this read found missing and wrote on the way. */
  readonly snapshotsWritten: number;
}
