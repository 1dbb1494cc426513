import type { StoryEvent } from '@livefeed/domain';
import { contiguousAfter } from './event.window';
import { SingleFlight } from './read.single-flight';

/** Read past the cursor a little: events committed while the read runs come back with it. */
const READ_PAST_CURSOR = 100;

/**
 * One database read shared by every catch-up of the story that needs it at the same time. It
 * covers the last `cacheEvents` events below the cursor (with the default cache, every catch-up
 * short enough to be sent as events), and at least everyone who asked before it started; whoever
 * asks later for older events than it covers gets the next read, which covers all of them.
 */
export class CatchUpReads {
  private readonly flight = new SingleFlight<readonly StoryEvent[]>();
  /** Oldest version wanted by catch-ups that the read in flight does not cover. */
  private wantedFrom = Number.POSITIVE_INFINITY;
  /** Where the read in flight starts. */
  private from: number | undefined;

  constructor(
    private readonly cacheEvents: number,
    private readonly readEvents: (after: number, limit: number) => Promise<readonly StoryEvent[]>,
    /** Runs before any waiting catch-up resumes, so that each finds the events already cached. */
    private readonly absorb: (events: readonly StoryEvent[]) => void,
  ) {}

  get inFlight(): boolean {
    return this.flight.inFlight;
  }

  /** Events after `since` (or after a little less), up to about `cursor`: a contiguous run. */
  read(since: number, cursor: number): Promise<readonly StoryEvent[]> {
    if (this.from === undefined || since < this.from)
      this.wantedFrom = Math.min(this.wantedFrom, since);
    return this.flight.run(async () => {
      const after = Math.max(0, Math.min(this.wantedFrom, cursor - this.cacheEvents));
      this.wantedFrom = Number.POSITIVE_INFINITY;
      this.from = after;
      try {
        const rows = await this.readEvents(after, cursor - after + READ_PAST_CURSOR);
        const events = contiguousAfter(rows, after);
        this.absorb(events);
        return events;
      } finally {
        this.from = undefined;
      }
    });
  }
}
