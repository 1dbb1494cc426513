import { fold, type StoryEvent, type StoryState } from '@livefeed/domain';
import { collect } from './event.window';

export type Visibility = StoryState['visibility'];

export interface JoinRequest {
  /** Identifies the subscriber (socket id). */
  readonly key: string;
  /** Last version the subscriber holds; undefined for a fresh start. */
  readonly since: number | undefined;
  /** Whether this subscriber may read a story of that visibility. */
  mayRead(visibility: Visibility): boolean;
  /** Whether the subscription is still wanted (no unsubscribe, disconnect or newer subscribe since). */
  isCurrent(): boolean;
  /** Called synchronously right before the snapshot and catch-up are sent: time to acknowledge. */
  accept(version: number): void;
}

export type JoinRefusal =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type JoinOutcome =
  | { readonly kind: 'joined'; readonly version: number; readonly visibility: Visibility }
  | JoinRefusal;

/** What a story stream knows at one instant: everything a join is decided from. */
export interface JoinView {
  readonly closed: boolean;
  /** Highest version broadcast here; undefined until this instance learns it. */
  readonly cursor: number | undefined;
  /** Highest version known to be committed; at least the cursor. */
  readonly committed: number;
  /** Undefined until the story has been loaded. */
  readonly visibility: Visibility | undefined;
  readonly snapshot: StoryState | undefined;
  /** The events cached just below the cursor, contiguous and ending at it (or empty). */
  readonly cached: readonly StoryEvent[];
  readonly catchUpMax: number;
  /** The negative cache still believes the story does not exist. */
  readonly believedMissing: boolean;
  /** The last load found no story, and no event of it has arrived since. */
  readonly lastLoadFoundNothing: boolean;
}

/** What one join has read so far. */
export interface JoinProgress {
  /** The story was loaded during this join: the view reflects the database as of now. */
  readonly loaded: boolean;
  /** What the catch-up read returned (a contiguous run); empty before it. */
  readonly read: readonly StoryEvent[];
}

export type CatchUpSource = 'cache' | 'database' | 'none';

export type JoinPlan =
  /** Answer without sending anything. */
  | { readonly kind: 'refuse'; readonly outcome: JoinRefusal }
  /** Load the story from PostgreSQL (state, visibility, version), then plan again. */
  | { readonly kind: 'load' }
  /** Read the events below the cursor from PostgreSQL, then plan again. */
  | { readonly kind: 'read-events' }
  /** Send the events after `after` (the subscriber's `since`) up to the cursor, then go live. */
  | {
      readonly kind: 'events';
      readonly after: number;
      readonly events: readonly StoryEvent[];
      readonly source: CatchUpSource;
    }
  /**
   * The subscriber holds versions up to `holds`, committed but not broadcast here yet (another
   * instance is ahead): send nothing, let it in once the cursor reaches `holds`.
   */
  | { readonly kind: 'ahead'; readonly holds: number }
  /**
   * Send the snapshot, then `events` (empty when the snapshot is at the cursor). `folded`: the
   * snapshot was brought forward here and is worth keeping; `foldError`: it could not be.
   */
  | {
      readonly kind: 'snapshot';
      readonly snapshot: StoryState;
      readonly events: readonly StoryEvent[];
      readonly folded: boolean;
      readonly foldError?: string;
    };

const LOAD: JoinPlan = { kind: 'load' };
const READ_EVENTS: JoinPlan = { kind: 'read-events' };

/**
 * How to stitch a subscriber in, given what the stream knows now: answer from memory, or say what
 * to read first. Pure, so that the caller can carry the answer out synchronously — nothing can be
 * broadcast between deciding and sending — and can ask again after each read, because the cursor
 * may have moved while it ran.
 */
export function planJoin(
  view: JoinView,
  request: Pick<JoinRequest, 'since' | 'mayRead' | 'isCurrent'>,
  progress: JoinProgress,
): JoinPlan {
  if (view.closed) return refuse({ kind: 'unavailable', reason: 'shutting down' });
  if (view.visibility === undefined || view.cursor === undefined) {
    if (view.believedMissing || (progress.loaded && view.lastLoadFoundNothing))
      return refuse({ kind: 'not-found' });
    return LOAD;
  }
  if (!request.mayRead(view.visibility)) return refuse({ kind: 'forbidden' });
  if (!request.isCurrent()) return refuse({ kind: 'cancelled' });
  const { cursor } = view;
  const { since } = request;

  if (since !== undefined && since > cursor) {
    // The client holds versions this instance has not broadcast yet (another instance is ahead),
    // or versions that never existed (it saw another history). Only the database can tell.
    if (since <= view.committed) return { kind: 'ahead', holds: since };
    if (!progress.loaded) return LOAD;
    return planSnapshot(view, cursor, progress);
  }
  if (since === undefined || cursor - since > view.catchUpMax)
    return planSnapshot(view, cursor, progress);

  const cached = collect(since, cursor, [view.cached]);
  if (cached)
    return {
      kind: 'events',
      after: since,
      events: cached,
      source: cached.length ? 'cache' : 'none',
    };
  // The read may end below the cursor (it moved meanwhile) and the cache may start above `since`:
  // together they may still cover the catch-up.
  const stitched = collect(since, cursor, [progress.read, view.cached]);
  if (!stitched) return READ_EVENTS;
  return { kind: 'events', after: since, events: stitched, source: 'database' };
}

/**
 * What a `load` plan is to read. A story this stream knows (visibility and cursor) that only lacks a
 * snapshot at its cursor — none kept, or one the events in memory cannot bring forward, as for a
 * catch-up over the limit — is read as of the cursor, through the event store's snapshot-backed
 * `stateAt` (a stored snapshot and at most N events, the path of `?at=`). Otherwise (the story is not
 * known here yet, or a subscriber claims versions beyond the cursor) the current state is read, which
 * also says how far the story has got.
 */
export function loadPoint(view: JoinView, since: number | undefined): number | undefined {
  if (view.visibility === undefined || view.cursor === undefined) return undefined;
  if (since !== undefined && since > view.cursor) return undefined;
  return view.cursor;
}

function planSnapshot(view: JoinView, cursor: number, progress: JoinProgress): JoinPlan {
  const { snapshot } = view;
  if (!snapshot) return LOAD;
  if (snapshot.version >= cursor) return { kind: 'snapshot', snapshot, events: [], folded: false };
  const after = collect(snapshot.version, cursor, [progress.read, view.cached]);
  // The events between the snapshot and the cursor are not in memory: one load reaches the cursor.
  if (!after) return LOAD;
  try {
    const current = fold(after, snapshot) ?? snapshot;
    if (current.version === after[after.length - 1].version)
      return { kind: 'snapshot', snapshot: current, events: [], folded: true };
  } catch (error) {
    // A log this domain cannot fold (a newer event type, say) still reaches the client as events.
    return { kind: 'snapshot', snapshot, events: after, folded: false, foldError: String(error) };
  }
  return { kind: 'snapshot', snapshot, events: after, folded: false };
}

function refuse(outcome: JoinRefusal): JoinPlan {
  return { kind: 'refuse', outcome };
}
