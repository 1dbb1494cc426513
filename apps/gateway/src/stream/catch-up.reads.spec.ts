import type { StoryEvent } from '@livefeed/domain';
import { CatchUpReads } from './catch-up.reads';
import { eventAt } from './testing/stream.fixtures';

/** A story log of `length` events whose reads wait until released. */
function database(length: number) {
  const log = Array.from({ length }, (_, i) => eventAt(i + 1));
  const reads: number[] = [];
  let held: (() => void)[] = [];
  return {
    reads,
    readEvents: async (after: number, limit: number) => {
      reads.push(after);
      await new Promise<void>((resolve) => held.push(resolve));
      return log.filter((e) => e.version > after).slice(0, limit);
    },
    release: () => {
      const go = held;
      held = [];
      for (const resolve of go) resolve();
    },
  };
}

const first = (events: readonly StoryEvent[]) => events[0]?.version;

describe('the catch-up reads of a story', () => {
  it('serves concurrent catch-ups with one read covering the cache below the cursor', async () => {
    const db = database(400);
    const absorbed: number[] = [];
    const reads = new CatchUpReads(100, db.readEvents, (events) => absorbed.push(events.length));
    const catchUps = [350, 320, 390].map((since) => reads.read(since, 400));
    db.release();
    const results = await Promise.all(catchUps);
    expect(db.reads).toEqual([300]);
    expect(results.map(first)).toEqual([301, 301, 301]);
    expect(absorbed).toEqual([100]);
    expect(reads.inFlight).toBe(false);
  });

  it('gives catch-ups older than the read in flight the next read, which covers them all', async () => {
    const db = database(400);
    const reads = new CatchUpReads(10, db.readEvents, () => undefined);
    const early = reads.read(380, 400);
    const late = [reads.read(120, 400), reads.read(50, 400)];
    db.release();
    // They share the read in flight, which does not reach back to them…
    expect((await Promise.all([early, ...late])).map(first)).toEqual([381, 381, 381]);
    // …so they ask again, and the next read starts at the oldest of them.
    const again = [reads.read(120, 400), reads.read(50, 400)];
    db.release();
    expect((await Promise.all(again)).map(first)).toEqual([51, 51]);
    expect(db.reads).toEqual([380, 50]);
  });
});
