import type { StoryEvent } from '@livefeed/domain';
import { backoffDelay, InterruptibleSleep, type BackoffPolicy } from '@livefeed/messaging';
import { contiguousAfter } from './event.window';
import type { StreamLimits } from './stream.limits';

/** A sleep that closing the cursor can cut short (`InterruptibleSleep`; tests pass their own). */
export interface Sleeper {
  sleep(ms: number): Promise<void>;
  interrupt(): void;
}

/** What a cursor needs from its stream. */
export interface CursorPorts {
  /** Committed events of the story after `afterVersion`, ascending, at most `limit`. */
  readEvents(afterVersion: number, limit: number): Promise<readonly StoryEvent[]>;
  /** The cursor moved to `event`, one version up: cache it, broadcast it. */
  moved(event: StoryEvent): void;
  /**
   * The cursor jumped over a hole (`forgotten` false) or is unknown again (true): events cached
   * below it no longer lead up to it.
   */
  jumped(forgotten: boolean): void;
  /** Who would see a hole: subscribers of this stream, and subscribers being stitched in. */
  audience(): { readonly subscribers: number; readonly joining: number };
  warn?(message: string, detail: Record<string, unknown>): void;
}

const FILL_BATCH = 1000;
/** A hole usually closes on the next read; a database that is down is not asked more than every 5 s. */
const FILL_BACKOFF: BackoffPolicy = { initialMs: 50, maxMs: 5000 };
/** Failed reads in a row (about 3 s of retrying) after which a hole nobody waits for is given up. */
const FILL_GIVE_UP_AFTER = 7;

/**
 * The highest version broadcast for one story, moved up one version at a time.
 *
 * Events arrive from anywhere (the NATS feed, database reads) in any order and any number of times:
 * versions at or below the cursor are dropped, the next one moves it, and one further ahead waits
 * while the hole below it is read from the database (after a short grace, since the missing event
 * is usually just behind). A hole in a story nobody follows here is skipped instead of read.
 */
export class StoryCursor {
  private head: number | undefined;
  private highestCommitted = 0;
  private readonly pending = new Map<number, StoryEvent>();
  /** A version known to be committed that the fill must reach even with nothing pending. */
  private fillTarget = 0;
  private filling = false;
  private stopped = false;

  constructor(
    private readonly storyId: string,
    private readonly ports: CursorPorts,
    private readonly limits: Pick<StreamLimits, 'pendingMax' | 'holeGraceMs'>,
    private readonly sleeper: Sleeper = new InterruptibleSleep(),
  ) {}

  /** Highest version broadcast, undefined until the first event or load. */
  get version(): number | undefined {
    return this.head;
  }

  /** Highest version known to be committed (from loads and events); at least the cursor. */
  get committed(): number {
    return this.highestCommitted;
  }

  get busy(): boolean {
    return this.filling;
  }

  get closed(): boolean {
    return this.stopped;
  }

  close(): void {
    this.stopped = true;
    this.pending.clear();
    this.sleeper.interrupt();
  }

  /** Takes committed events of the story, in any order, duplicates included. */
  offer(events: readonly StoryEvent[]): void {
    if (this.stopped) return;
    for (const event of events) {
      if (event.storyId !== this.storyId) continue;
      if (event.version > this.highestCommitted) this.highestCommitted = event.version;
      // Nobody is subscribed before the cursor is known, so any committed version is a safe start:
      // every version below it is committed too (versions are gapless).
      if (this.head === undefined) this.head = event.version - 1;
      if (event.version <= this.head || this.pending.has(event.version)) continue;
      const next = event.version === this.head + 1;
      // The next version is always taken, or a full buffer would refuse the very event it waits for.
      if (!next && this.pending.size >= this.limits.pendingMax) {
        // Too far ahead to hold: remember that it exists, the fill will read it back.
        this.fillTarget = Math.max(this.fillTarget, event.version);
        continue;
      }
      this.pending.set(event.version, event);
      // Move at once: it frees the room the events behind it take, for the rest of this batch.
      if (next) this.advance();
    }
    this.drain();
  }

  /** The story loaded at `version`: the cursor starts there, or is filled up to it. */
  loaded(version: number): void {
    if (version > this.highestCommitted) this.highestCommitted = version;
    if (this.head === undefined) this.head = version;
    else if (version > this.head) this.fillTo(version);
  }

  /** `version` is committed (a subscriber holds it): read up to it even if no event says so. */
  fillTo(version: number): void {
    if (version > this.fillTarget) this.fillTarget = version;
    if (this.head !== undefined && version > this.head) this.startFill();
  }

  private drain(): void {
    this.advance();
    if (this.head !== undefined && (this.pending.size > 0 || this.fillTarget > this.head))
      this.startFill();
  }

  private advance(): void {
    while (this.head !== undefined) {
      const next = this.pending.get(this.head + 1);
      if (!next) break;
      this.pending.delete(next.version);
      this.head = next.version;
      this.ports.moved(next);
    }
  }

  private startFill(): void {
    if (this.filling || this.stopped) return;
    this.filling = true;
    void this.fill();
  }

  /** Reads holes below pending events (or up to a known committed version) until there are none. */
  private async fill(): Promise<void> {
    try {
      let failures = 0;
      if (this.limits.holeGraceMs > 0) await this.sleeper.sleep(this.limits.holeGraceMs);
      while (!this.stopped && this.head !== undefined) {
        const target = this.target();
        if (target <= this.head) break;
        const { subscribers, joining } = this.ports.audience();
        if (subscribers === 0 && joining === 0) {
          this.skipHole();
          continue;
        }
        const before = this.head;
        await this.readAfter(before, Math.min(target - before, FILL_BATCH));
        if (this.head === undefined || this.head > before || this.target() <= this.head) {
          failures = 0;
          continue;
        }
        failures += 1;
        if (failures >= FILL_GIVE_UP_AFTER && this.ports.audience().subscribers === 0) {
          // Nobody is waiting: forget what we know rather than retry forever; a subscriber reloads.
          this.ports.warn?.('giving up a hole nobody waits for', {
            storyId: this.storyId,
            cursor: this.head,
            target,
          });
          this.forget();
          break;
        }
        await this.sleeper.sleep(backoffDelay(failures - 1, FILL_BACKOFF));
      }
    } finally {
      // In the same turn as the loop's end: an event offered right after must start a new fill.
      this.filling = false;
    }
  }

  private async readAfter(version: number, limit: number): Promise<void> {
    try {
      this.offer(contiguousAfter(await this.ports.readEvents(version, limit), version));
    } catch (error) {
      this.ports.warn?.('filling a hole failed', { storyId: this.storyId, error: String(error) });
    }
  }

  /** The version the fill must reach: the known committed one, or the one below the lowest pending. */
  private target(): number {
    return Math.max(this.fillTarget, this.lowestPending() - 1);
  }

  /**
   * Nobody follows the story here: reading the hole would only warm the cache. Start again at the
   * first event that did arrive instead (every version below it is committed).
   */
  private skipHole(): void {
    const lowest = this.lowestPending();
    this.fillTarget = 0;
    if (lowest === 0) return;
    this.ports.jumped(false);
    this.head = lowest - 1;
    this.drain();
  }

  private forget(): void {
    this.head = undefined;
    this.pending.clear();
    this.fillTarget = 0;
    this.ports.jumped(true);
  }

  private lowestPending(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const version of this.pending.keys()) if (version < lowest) lowest = version;
    return lowest === Number.POSITIVE_INFINITY ? 0 : lowest;
  }
}
