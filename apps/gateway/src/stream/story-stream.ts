import type { StoryEvent, StoryState } from '@livefeed/domain';
import { collect, EventWindow, isContiguous } from './event-window';
import { SingleFlight } from './single-flight';

export type Visibility = StoryState['visibility'];

/** What a story stream needs from the outside world: reads, and delivery to sockets. */
export interface StreamPorts {
  /** Events of the story with versions after `afterVersion`, ascending, at most `limit`. */
  readEvents(storyId: string, afterVersion: number, limit: number): Promise<readonly StoryEvent[]>;
  /** The story's current state, or null when it does not exist. */
  loadStory(storyId: string): Promise<StoryState | null>;
  /** Brings a state forward by events (the domain's fold); absent, snapshots are followed by events. */
  fold?(state: StoryState, events: readonly StoryEvent[]): StoryState;
  /** Sends one event to every subscriber that is level with the cursor (the story's room). */
  broadcast(storyId: string, event: StoryEvent): void;
  /** Sends one message to one subscriber. */
  send(key: string, name: 'snapshot' | 'event', payload: unknown): void;
  /** Puts a subscriber in (or out of) the story's live room. */
  join(key: string, storyId: string): void;
  leave(key: string, storyId: string): void;
  /** A catch-up was served: how many events, from where. */
  caughtUp?(events: number, source: 'cache' | 'database' | 'none'): void;
  warn?(message: string, detail: Record<string, unknown>): void;
}

export interface StreamLimits {
  /** Events kept in memory for catch-ups. */
  cacheEvents: number;
  /** Longest catch-up sent as events; a client further behind gets a snapshot. */
  catchUpMax: number;
  /** How long "this story does not exist" is believed before asking the database again. */
  missingTtlMs: number;
  /** Live events held while a hole below them is filled; beyond, they are re-read later. */
  pendingMax: number;
  /**
   * Events kept even when `cacheEvents` is smaller: stitching a catch-up read to the events
   * broadcast while it ran needs the latest few, also with caching for catch-ups turned off.
   */
  stitchTail?: number;
  /**
   * How long a hole may stay open before it is read from the database: events published by several
   * ingest workers arrive slightly out of order, and the missing one is usually a moment behind.
   */
  holeGraceMs?: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  cacheEvents: 1000,
  catchUpMax: 1000,
  missingTtlMs: 1000,
  pendingMax: 10_000,
  stitchTail: 64,
  holeGraceMs: 20,
};

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

export type JoinOutcome =
  | { readonly kind: 'joined'; readonly version: number; readonly visibility: Visibility }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'unavailable'; readonly reason: string };

type Need = 'load' | 'window';
type Step = { readonly done: JoinOutcome } | { readonly need: Need };

const MAX_JOIN_ATTEMPTS = 6;
const FILL_BATCH = 1000;
const FILL_BACKOFF_MS = [50, 100, 250, 500, 1000, 2000, 5000];

/**
 * One story as this gateway instance serves it.
 *
 * The cursor (`head`) is the highest version broadcast to the story's room; the window caches the
 * events just below it. Events enter through `offer` from anywhere (the NATS feed, database reads),
 * in any order and any number of times: versions at or below the cursor are dropped, the next one
 * is broadcast, and one further ahead waits while the hole below it is filled from the database.
 *
 * A subscriber is stitched in without a lock: its catch-up is read (from the window, else one shared
 * database read), and then — synchronously, so no event can be broadcast in between — it is sent
 * the events from its `since` up to the cursor and put in the room. If the reads left a hole because
 * the cursor moved meanwhile, it simply tries again. A subscriber that is ahead of the cursor (it
 * holds versions this instance has not broadcast yet) waits outside the room until the cursor
 * reaches it, so nothing is sent twice.
 */
export class StoryStream {
  private head: number | undefined;
  /** Highest version known to be committed (from loads and events); at least the cursor. */
  private committed = 0;
  private visibility: Visibility | undefined;
  private snapshot: StoryState | undefined;
  private missingUntil = 0;
  private lastLoadMissing = false;
  private readonly window: EventWindow;
  private readonly pending = new Map<number, StoryEvent>();
  private fillTarget = 0;
  private filling = false;
  private closed = false;
  private joining = 0;
  private wake: (() => void) | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  /** Subscribers level with the cursor: they are in the room. */
  private readonly inRoom = new Set<string>();
  /** Subscribers holding versions above the cursor: key → last version they hold. */
  private readonly ahead = new Map<string, number>();
  private readonly loads = new SingleFlight<StoryState | null>();
  private readonly windowReads = new SingleFlight<readonly StoryEvent[]>();
  /** Oldest version wanted by catch-ups that the read in flight does not cover. */
  private wantedFrom = Number.POSITIVE_INFINITY;
  /** Where the read in flight starts. */
  private windowFrom: number | undefined;

  constructor(
    readonly storyId: string,
    private readonly ports: StreamPorts,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.window = new EventWindow(Math.max(limits.cacheEvents, limits.stitchTail ?? 0));
  }

  /** The cursor: highest version broadcast here, undefined until this instance learns it. */
  get cursor(): number | undefined {
    return this.head;
  }

  get subscriberCount(): number {
    return this.inRoom.size + this.ahead.size;
  }

  get cachedEvents(): number {
    return this.window.size;
  }

  /** Nothing depends on this stream: it can be forgotten. */
  get idle(): boolean {
    return (
      this.subscriberCount === 0 &&
      this.joining === 0 &&
      !this.filling &&
      !this.loads.inFlight &&
      !this.windowReads.inFlight
    );
  }

  hasSubscriber(key: string): boolean {
    return this.inRoom.has(key) || this.ahead.has(key);
  }

  /** Frees the cached events (memory pressure); the cursor and subscribers stay. */
  dropCache(): void {
    this.window.clear();
    this.snapshot = undefined;
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
    this.wakeUp();
  }

  /** Takes committed events from any source, in any order, duplicates included. */
  offer(events: readonly StoryEvent[]): void {
    if (this.closed) return;
    for (const event of events) {
      if (event.storyId !== this.storyId) continue;
      this.missingUntil = 0;
      this.lastLoadMissing = false;
      if (event.version > this.committed) this.committed = event.version;
      // Nobody is subscribed before the cursor is known, so any committed version is a safe start:
      // every version below it is committed too (versions are gapless).
      if (this.head === undefined) this.head = event.version - 1;
      if (event.version <= this.head || this.pending.has(event.version)) continue;
      if (this.pending.size >= this.limits.pendingMax) {
        // Too far ahead to hold: remember that it exists, the fill will read it back.
        this.fillTarget = Math.max(this.fillTarget, event.version);
        continue;
      }
      this.pending.set(event.version, event);
    }
    this.drain();
  }

  /** Stitches a subscriber in: acknowledges, sends its snapshot/catch-up, then keeps it live. */
  async join(request: JoinRequest): Promise<JoinOutcome> {
    this.joining += 1;
    try {
      let window: readonly StoryEvent[] = [];
      let loadedFresh = false;
      for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS; attempt += 1) {
        const step = this.tryJoin(request, window, loadedFresh);
        if ('done' in step) return step.done;
        if (step.need === 'load') {
          await this.load();
          loadedFresh = true;
        } else {
          window = await this.readWindow(request.since ?? 0);
        }
      }
      return { kind: 'unavailable', reason: 'the story moved too fast to catch up; try again' };
    } catch (error) {
      return {
        kind: 'unavailable',
        reason: error instanceof Error ? error.message : String(error),
      };
    } finally {
      this.joining -= 1;
    }
  }

  /** Takes a subscriber out; true when it was in. */
  leave(key: string): boolean {
    if (this.inRoom.delete(key)) {
      this.ports.leave(key, this.storyId);
      return true;
    }
    return this.ahead.delete(key);
  }

  /** Everything needed is in memory: decide now, synchronously. Otherwise say what to read. */
  private tryJoin(request: JoinRequest, window: readonly StoryEvent[], loadedFresh: boolean): Step {
    if (this.closed) return { done: { kind: 'unavailable', reason: 'shutting down' } };
    if (this.visibility === undefined || this.head === undefined) {
      if (this.missingUntil > this.now() || (loadedFresh && this.lastLoadMissing))
        return { done: { kind: 'not-found' } };
      return { need: 'load' };
    }
    if (!request.mayRead(this.visibility)) return { done: { kind: 'forbidden' } };
    if (!request.isCurrent()) return { done: { kind: 'cancelled' } };
    const head = this.head;
    const since = request.since;

    if (since !== undefined && since > head) {
      // The client holds versions this instance has not broadcast yet (another instance is ahead),
      // or versions that never existed (it saw another history). Only the database can tell.
      if (since <= this.committed) return { done: this.commit(request, since, undefined, []) };
      if (!loadedFresh) return { need: 'load' };
      return this.trySnapshot(request, window);
    }
    if (since === undefined || head - since > this.limits.catchUpMax)
      return this.trySnapshot(request, window);

    const fromCache = this.window.slice(since, head);
    if (fromCache) {
      this.ports.caughtUp?.(fromCache.length, fromCache.length === 0 ? 'none' : 'cache');
      return { done: this.commit(request, since, undefined, fromCache) };
    }
    const stitched = collect(since, head, [window, this.window.all]);
    if (!stitched) return { need: 'window' };
    this.ports.caughtUp?.(stitched.length, 'database');
    return { done: this.commit(request, since, undefined, stitched) };
  }

  private trySnapshot(request: JoinRequest, window: readonly StoryEvent[]): Step {
    const head = this.head ?? 0;
    const snapshot = this.snapshot;
    if (!snapshot) return { need: 'load' };
    if (snapshot.version >= head)
      return { done: this.commit(request, snapshot.version, snapshot, []) };
    const after = collect(snapshot.version, head, [window, this.window.all]);
    if (!after) return { need: 'load' };
    const current = this.foldForward(snapshot, after);
    if (current) {
      this.snapshot = current;
      return { done: this.commit(request, current.version, current, []) };
    }
    return { done: this.commit(request, snapshot.version, snapshot, after) };
  }

  /** The snapshot brought up to the cursor, or undefined (then it is sent followed by the events). */
  private foldForward(snapshot: StoryState, events: readonly StoryEvent[]): StoryState | undefined {
    if (!this.ports.fold || events.length === 0) return undefined;
    try {
      const current = this.ports.fold(snapshot, events);
      return current.version === events[events.length - 1].version ? current : undefined;
    } catch (error) {
      this.ports.warn?.('could not fold a snapshot forward', {
        storyId: this.storyId,
        error: String(error),
      });
      return undefined;
    }
  }

  /** Synchronous from the acknowledgement to joining the room: no broadcast can slip in between. */
  private commit(
    request: JoinRequest,
    base: number,
    snapshot: StoryState | undefined,
    events: readonly StoryEvent[],
  ): JoinOutcome {
    const head = this.head ?? 0;
    const visibility = this.visibility ?? 'public';
    const holds = events.length > 0 ? events[events.length - 1].version : base;
    request.accept(Math.max(head, holds, this.committed));
    if (snapshot)
      this.ports.send(request.key, 'snapshot', {
        storyId: this.storyId,
        version: snapshot.version,
        story: snapshot,
      });
    for (const event of events) this.ports.send(request.key, 'event', event);
    this.leave(request.key);
    if (holds <= head) {
      this.inRoom.add(request.key);
      this.ports.join(request.key, this.storyId);
    } else {
      this.ahead.set(request.key, holds);
      this.fillTo(holds);
    }
    return { kind: 'joined', version: Math.max(head, holds, this.committed), visibility };
  }

  private load(): Promise<StoryState | null> {
    return this.loads.run(async () => {
      const state = await this.ports.loadStory(this.storyId);
      this.absorbLoad(state);
      return state;
    });
  }

  private absorbLoad(state: StoryState | null): void {
    if (this.closed) return;
    this.lastLoadMissing = state === null && this.head === undefined;
    if (state === null) {
      if (this.head === undefined) this.missingUntil = this.now() + this.limits.missingTtlMs;
      return;
    }
    this.missingUntil = 0;
    this.visibility = state.visibility;
    if (state.version > this.committed) this.committed = state.version;
    if (!this.snapshot || state.version > this.snapshot.version) this.snapshot = state;
    if (this.head === undefined) this.head = state.version;
    else if (state.version > this.head) this.fillTo(state.version);
  }

  /**
   * One database read shared by every catch-up of the story that needs it at the same time. It
   * covers the last `cacheEvents` events below the cursor (with the default cache, every catch-up
   * short enough to be sent as events), and at least everyone who asked before it started; whoever
   * asks later for older events than it covers gets the next read, which covers all of them.
   */
  private readWindow(since: number): Promise<readonly StoryEvent[]> {
    if (this.windowFrom === undefined || since < this.windowFrom)
      this.wantedFrom = Math.min(this.wantedFrom, since);
    return this.windowReads.run(async () => {
      const head = this.head ?? 0;
      const after = Math.max(0, Math.min(this.wantedFrom, head - this.limits.cacheEvents));
      this.wantedFrom = Number.POSITIVE_INFINITY;
      this.windowFrom = after;
      try {
        const events = clean(
          await this.ports.readEvents(this.storyId, after, head - after + 100),
          after,
        );
        if (!this.closed && this.head !== undefined) {
          this.window.prepend(events, this.head);
          this.offer(events);
        }
        return events;
      } finally {
        this.windowFrom = undefined;
      }
    });
  }

  private drain(): void {
    while (this.head !== undefined) {
      const next = this.pending.get(this.head + 1);
      if (!next) break;
      this.pending.delete(next.version);
      this.deliver(next);
    }
    if (this.head !== undefined && (this.pending.size > 0 || this.fillTarget > this.head))
      this.startFill();
  }

  private deliver(event: StoryEvent): void {
    this.head = event.version;
    this.window.append(event);
    if (this.inRoom.size > 0) this.ports.broadcast(this.storyId, event);
    for (const [key, holds] of this.ahead) {
      if (holds !== this.head) continue;
      this.ahead.delete(key);
      this.inRoom.add(key);
      this.ports.join(key, this.storyId);
    }
  }

  private fillTo(version: number): void {
    if (version > this.fillTarget) this.fillTarget = version;
    if (this.head !== undefined && version > this.head) this.startFill();
  }

  /** Reads holes below pending events (or up to a known committed version) until there are none. */
  private startFill(): void {
    if (this.filling || this.closed) return;
    this.filling = true;
    void this.fill().finally(() => {
      this.filling = false;
    });
  }

  private async fill(): Promise<void> {
    let failures = 0;
    if (this.limits.holeGraceMs) await this.sleep(this.limits.holeGraceMs);
    while (!this.closed && this.head !== undefined) {
      const target = Math.max(this.fillTarget, this.lowestPending() - 1);
      if (target <= this.head) break;
      if (this.subscriberCount === 0 && this.joining === 0) {
        this.skipHole();
        continue;
      }
      const before = this.head;
      try {
        const events = clean(
          await this.ports.readEvents(this.storyId, before, Math.min(target - before, FILL_BATCH)),
          before,
        );
        this.offer(events);
      } catch (error) {
        this.ports.warn?.('filling a hole failed', { storyId: this.storyId, error: String(error) });
      }
      if (
        this.head === undefined ||
        this.head > before ||
        Math.max(this.fillTarget, this.lowestPending() - 1) <= this.head
      ) {
        failures = 0;
        continue;
      }
      failures += 1;
      if (failures >= FILL_BACKOFF_MS.length && this.subscriberCount === 0) {
        // Nobody is waiting: forget what we know rather than retry forever; a subscriber reloads.
        this.ports.warn?.('giving up a hole nobody waits for', {
          storyId: this.storyId,
          cursor: this.head,
          target,
        });
        this.reset();
        break;
      }
      await this.sleep(FILL_BACKOFF_MS[Math.min(failures, FILL_BACKOFF_MS.length) - 1]);
    }
  }

  /**
   * Nobody follows the story here: reading the hole would only warm the cache. Start the window
   * again at the first event that did arrive instead (every version below it is committed).
   */
  private skipHole(): void {
    const lowest = this.lowestPending();
    this.fillTarget = 0;
    if (lowest === 0) return;
    this.window.clear();
    this.head = lowest - 1;
    this.drain();
  }

  private reset(): void {
    this.head = undefined;
    this.pending.clear();
    this.fillTarget = 0;
    this.window.clear();
    this.snapshot = undefined;
  }

  private lowestPending(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const version of this.pending.keys()) if (version < lowest) lowest = version;
    return lowest === Number.POSITIVE_INFINITY ? 0 : lowest;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.wakeTimer = setTimeout(() => this.wakeUp(), ms);
    });
  }

  private wakeUp(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** Database rows as a contiguous run starting right after `after` (sorted, no duplicate, no gap). */
function clean(events: readonly StoryEvent[], after: number): StoryEvent[] {
  const sorted = [...events].sort((a, b) => a.version - b.version);
  const run: StoryEvent[] = [];
  let expect = after + 1;
  for (const event of sorted) {
    if (event.version < expect) continue;
    if (event.version !== expect) break;
    run.push(event);
    expect += 1;
  }
  return isContiguous(run) ? run : [];
}
