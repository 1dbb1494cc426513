import type { StoryEvent, StoryState } from '@livefeed/domain';
import { CatchUpReads } from './catch-up.reads';
import { EventWindow } from './event.window';
import {
  loadPoint,
  planJoin,
  type CatchUpSource,
  type JoinOutcome,
  type JoinPlan,
  type JoinRequest,
  type JoinView,
  type Visibility,
} from './join.plan';
import { MissingStoryCache } from './missing-story.cache';
import { SingleFlight } from './read.single-flight';
import { StoryCursor, type Sleeper } from './story.cursor';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './stream.limits';
import { StreamSubscribers } from './stream.subscribers';

export type { JoinOutcome, JoinRequest, Visibility } from './join.plan';

/** What a story stream needs from the outside world: reads, and delivery to sockets. */
export interface StreamPorts {
  /** Events of the story with versions after `afterVersion`, ascending, at most `limit`. */
  readEvents(storyId: string, afterVersion: number, limit: number): Promise<readonly StoryEvent[]>;
  /** The story's current state, or null when it does not exist. */
  loadStory(storyId: string): Promise<StoryState | null>;
  /**
   * The story as of a version: the event store's snapshot-backed `stateAt` (a stored snapshot and at
   * most N events), the same path as `?at=`; null when it does not exist.
   */
  loadStateAt(storyId: string, version: number): Promise<StoryState | null>;
  /** Sends one event to every subscriber that is level with the cursor (the story's room). */
  broadcast(storyId: string, event: StoryEvent): void;
  /** Sends a snapshot to one subscriber. */
  sendSnapshot(key: string, payload: unknown): void;
  /** Sends events, in order, to one subscriber (a catch-up). */
  sendEvents(key: string, events: readonly StoryEvent[]): void;
  /** Runs `writes` (sends to one subscriber) so that what they send goes out together. */
  together(key: string, writes: () => void): void;
  /** Puts a subscriber in (or out of) the story's live room. */
  join(key: string, storyId: string): void;
  leave(key: string, storyId: string): void;
  /** A catch-up was served: how many events, from where. */
  caughtUp?(events: number, source: CatchUpSource): void;
  warn?(message: string, detail: Record<string, unknown>): void;
}

export interface StreamClock {
  readonly now?: () => number;
  /** The cursor's sleep between reads of a hole; one per stream, since closing interrupts it. */
  readonly sleeper?: Sleeper;
}

/** Each read can find the cursor moved on; a story moving that fast for this long is not caught. */
const MAX_JOIN_ATTEMPTS = 6;

/**
 * One story as this gateway instance serves it: a cursor (`StoryCursor`), the events cached just
 * below it (`EventWindow`), and the subscribers stitched in to it.
 *
 * A subscriber is stitched in without a lock: `planJoin` says what to read (the story, or one
 * shared read of the events below the cursor) and, once everything is in memory, what to send; the
 * plan is then carried out synchronously — acknowledgement, snapshot or catch-up, room — so no
 * event can be broadcast in between. If the cursor moved during the reads, it simply plans again.
 */
export class StoryStream {
  private readonly storyCursor: StoryCursor;
  private readonly window: EventWindow;
  private readonly subscribers = new StreamSubscribers();
  private readonly missing: MissingStoryCache;
  private readonly loads = new SingleFlight<StoryState | null>();
  private readonly catchUps: CatchUpReads;
  private visibility: Visibility | undefined;
  private snapshot: StoryState | undefined;
  private joining = 0;

  constructor(
    readonly storyId: string,
    private readonly ports: StreamPorts,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
    { now = Date.now, sleeper }: StreamClock = {},
  ) {
    this.window = new EventWindow(Math.max(limits.cacheEvents, limits.stitchTail));
    this.missing = new MissingStoryCache(limits.missingTtlMs, now);
    const readEvents = (after: number, limit: number) => ports.readEvents(storyId, after, limit);
    this.storyCursor = new StoryCursor(
      storyId,
      {
        readEvents,
        moved: (event) => this.moved(event),
        jumped: (forgotten) => this.jumped(forgotten),
        audience: () => ({ subscribers: this.subscribers.count, joining: this.joining }),
        warn: (message, detail) => ports.warn?.(message, detail),
      },
      limits,
      sleeper,
    );
    this.catchUps = new CatchUpReads(limits.cacheEvents, readEvents, (events) => {
      const head = this.storyCursor.version;
      if (this.storyCursor.closed || head === undefined) return;
      this.window.prepend(events, head);
      this.offer(events);
    });
  }

  /** The cursor: highest version broadcast here, undefined until this instance learns it. */
  get cursor(): number | undefined {
    return this.storyCursor.version;
  }

  get subscriberCount(): number {
    return this.subscribers.count;
  }

  get cachedEvents(): number {
    return this.window.size;
  }

  /** Nothing depends on this stream: it can be forgotten. */
  get idle(): boolean {
    return (
      this.subscribers.count === 0 &&
      this.joining === 0 &&
      !this.storyCursor.busy &&
      !this.loads.inFlight &&
      !this.catchUps.inFlight
    );
  }

  hasSubscriber(key: string): boolean {
    return this.subscribers.has(key);
  }

  /** Frees the cached events (memory pressure); the cursor and subscribers stay. */
  dropCache(): void {
    this.window.clear();
    this.snapshot = undefined;
  }

  close(): void {
    this.storyCursor.close();
  }

  /** Takes committed events from any source, in any order, duplicates included. */
  offer(events: readonly StoryEvent[]): void {
    if (this.storyCursor.closed) return;
    if (events.some((event) => event.storyId === this.storyId)) this.missing.heardOf();
    this.storyCursor.offer(events);
  }

  /** Stitches a subscriber in: acknowledges, sends its snapshot/catch-up, then keeps it live. */
  async join(request: JoinRequest): Promise<JoinOutcome> {
    this.joining += 1;
    try {
      let loaded = false;
      let read: readonly StoryEvent[] = [];
      for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS; attempt += 1) {
        const plan = planJoin(this.view(), request, { loaded, read });
        if (plan.kind === 'load') {
          await this.load(loadPoint(this.view(), request.since));
          loaded = true;
        } else if (plan.kind === 'read-events') {
          read = await this.catchUps.read(request.since ?? 0, this.storyCursor.version ?? 0);
        } else {
          return this.carryOut(request, plan);
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
    const was = this.subscribers.remove(key);
    if (was === 'room') this.ports.leave(key, this.storyId);
    return was !== undefined;
  }

  private view(): JoinView {
    return {
      closed: this.storyCursor.closed,
      cursor: this.storyCursor.version,
      committed: this.storyCursor.committed,
      visibility: this.visibility,
      snapshot: this.snapshot,
      cached: this.window.all,
      catchUpMax: this.limits.catchUpMax,
      believedMissing: this.missing.believed,
      lastLoadFoundNothing: this.missing.lastLoadFoundNothing,
    };
  }

  private carryOut(
    request: JoinRequest,
    plan: Exclude<JoinPlan, { kind: 'load' | 'read-events' }>,
  ): JoinOutcome {
    switch (plan.kind) {
      case 'refuse':
        return plan.outcome;
      case 'ahead':
        return this.admit(request, plan.holds, undefined, []);
      case 'events':
        this.ports.caughtUp?.(plan.events.length, plan.source);
        return this.admit(request, plan.after, undefined, plan.events);
      case 'snapshot':
        if (plan.foldError !== undefined)
          this.ports.warn?.('could not fold a snapshot forward', {
            storyId: this.storyId,
            error: plan.foldError,
          });
        if (plan.folded) this.snapshot = plan.snapshot;
        return this.admit(request, plan.snapshot.version, plan.snapshot, plan.events);
    }
  }

  /** Synchronous from the acknowledgement to joining the room: no broadcast can slip in between. */
  private admit(
    request: JoinRequest,
    base: number,
    snapshot: StoryState | undefined,
    events: readonly StoryEvent[],
  ): JoinOutcome {
    const head = this.storyCursor.version ?? 0;
    const holds = events.length > 0 ? events[events.length - 1].version : base;
    const version = Math.max(head, holds, this.storyCursor.committed);
    this.ports.together(request.key, () => {
      request.accept(version);
      if (snapshot)
        this.ports.sendSnapshot(request.key, {
          storyId: this.storyId,
          version: snapshot.version,
          story: snapshot,
        });
      if (events.length > 0) this.ports.sendEvents(request.key, events);
    });
    this.leave(request.key);
    if (holds <= head) {
      this.subscribers.enterRoom(request.key);
      this.ports.join(request.key, this.storyId);
    } else {
      this.subscribers.waitFor(request.key, holds);
      this.storyCursor.fillTo(holds);
    }
    return { kind: 'joined', version, visibility: this.visibility ?? 'public' };
  }

  /** The current state (learning the story), or the state at `version` (a snapshot at the cursor). */
  private load(version: number | undefined): Promise<StoryState | null> {
    return this.loads.run(async () => {
      const state =
        version === undefined
          ? await this.ports.loadStory(this.storyId)
          : await this.ports.loadStateAt(this.storyId, version);
      if (!this.storyCursor.closed) this.absorbLoad(state);
      return state;
    });
  }

  private absorbLoad(state: StoryState | null): void {
    this.missing.loaded(state !== null, this.storyCursor.version !== undefined);
    if (state === null) return;
    this.visibility = state.visibility;
    if (!this.snapshot || state.version > this.snapshot.version) this.snapshot = state;
    this.storyCursor.loaded(state.version);
  }

  private moved(event: StoryEvent): void {
    this.window.append(event);
    if (this.subscribers.anyInRoom) this.ports.broadcast(this.storyId, event);
    this.subscribers.reached(event.version, (key) => this.ports.join(key, this.storyId));
  }

  private jumped(forgotten: boolean): void {
    this.window.clear();
    if (forgotten) this.snapshot = undefined;
  }
}
