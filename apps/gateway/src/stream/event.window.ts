import type { StoryEvent } from '@livefeed/domain';

/**
 * The recent events of one story, contiguous by version and ending at the story's cursor.
 * Bounded: the oldest fall off. Holds no gap, so any slice it answers is gapless.
 */
export class EventWindow {
  private events: StoryEvent[] = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.events.length;
  }

  /** Version of the oldest cached event, or undefined when empty. */
  get first(): number | undefined {
    return this.events[0]?.version;
  }

  get last(): number | undefined {
    return this.events[this.events.length - 1]?.version;
  }

  /** Adds the event after the newest one; a non-contiguous event restarts the window from it. */
  append(event: StoryEvent): void {
    if (this.limit === 0) return;
    const last = this.last;
    if (last !== undefined && event.version !== last + 1) this.events = [];
    this.events.push(event);
    // Trim in chunks so a steady stream does not shift the array on every event.
    if (this.events.length > this.limit + Math.max(16, this.limit >> 3)) this.trimTo(this.limit);
  }

  /**
   * Merges older events read from the database under the cached ones. `head` is the cursor: when
   * the window is empty, only events that reach it can be kept (the window must end at the cursor).
   */
  prepend(older: readonly StoryEvent[], head: number): void {
    if (older.length === 0) return;
    const first = this.first ?? head + 1;
    const below = older.filter((e) => e.version < first);
    if (below.length === 0) return;
    if (below[below.length - 1].version !== first - 1 || !isContiguous(below)) return;
    this.events = [...below, ...this.events];
    this.trimTo(this.limit);
  }

  /** Events with versions after `after` up to and including `upTo`, or null if any is missing. */
  slice(after: number, upTo: number): StoryEvent[] | null {
    return collect(after, upTo, [this.events]);
  }

  get all(): readonly StoryEvent[] {
    return this.events;
  }

  clear(): void {
    this.events = [];
  }

  private trimTo(limit: number): void {
    if (this.events.length > limit) this.events = this.events.slice(this.events.length - limit);
  }
}

/**
 * Picks the events `after`+1 … `upTo` from contiguous runs of events (each sorted by version,
 * no gap inside one run). Returns null when any version is missing from all of them.
 */
export function collect(
  after: number,
  upTo: number,
  runs: readonly (readonly StoryEvent[])[],
): StoryEvent[] | null {
  const out: StoryEvent[] = [];
  let v = after + 1;
  while (v <= upTo) {
    let found = false;
    for (const run of runs) {
      if (run.length === 0) continue;
      const offset = v - run[0].version;
      if (offset < 0 || offset >= run.length) continue;
      // Take as much of this run as possible in one go.
      const end = Math.min(run.length, offset + (upTo - v) + 1);
      for (let i = offset; i < end; i += 1) out.push(run[i]);
      v += end - offset;
      found = true;
      break;
    }
    if (!found) return null;
  }
  return out;
}

export function isContiguous(events: readonly StoryEvent[]): boolean {
  for (let i = 1; i < events.length; i += 1) {
    if (events[i].version !== events[i - 1].version + 1) return false;
  }
  return true;
}

/**
 * Database rows as a contiguous run starting right after `after`: sorted, duplicates dropped, cut
 * at the first gap. Rows come from concurrent reads and retries, so none of that is assumed.
 */
export function contiguousAfter(events: readonly StoryEvent[], after: number): StoryEvent[] {
  const sorted = [...events].sort((a, b) => a.version - b.version);
  const run: StoryEvent[] = [];
  let expect = after + 1;
  for (const event of sorted) {
    if (event.version < expect) continue;
    if (event.version !== expect) break;
    run.push(event);
    expect += 1;
  }
  return run;
}
