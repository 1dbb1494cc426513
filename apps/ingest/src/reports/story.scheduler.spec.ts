import fc from 'fast-check';
import { expectEventually, expectThroughout } from '@livefeed/common/testing';
import { StoryScheduler } from './story.scheduler';

/** A `work` whose calls the test finishes by hand, recording what each call got. */
function controlledWork<T>() {
  const calls: Array<{ items: T[]; finish: () => void }> = [];
  let running = 0;
  let maxRunning = 0;
  const work = (items: T[]) => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    return new Promise<void>((resolve) =>
      calls.push({
        items,
        finish: () => {
          running -= 1;
          resolve();
        },
      }),
    );
  };
  return { calls, work, maxRunning: () => maxRunning };
}

const flush = () => new Promise<void>((r) => setImmediate(r));
const rethrow = (error: unknown) => {
  throw error;
};
const keyed = <T>(key: (item: T) => string, items: T[]) =>
  items.map((item) => ({ key: key(item), item }));

describe('StoryScheduler', () => {
  it('keeps every key in arrival order and never works on one key twice at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { maxLength: 200 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(0, 0, 1),
        async (keys, concurrency, maxBatch, minBatch, lingerMs) => {
          const seen = new Map<string, number[]>();
          const busyKeys = new Set<string>();
          let overlap = false;
          const sut = new StoryScheduler<{ key: string; n: number }>(
            concurrency,
            { maxBatch, minBatch, maxQueued: 20, lingerMs },
            async (batch) => {
              const batchKeys = new Set(batch.map((b) => b.key));
              for (const k of batchKeys) if (busyKeys.has(k)) overlap = true;
              batchKeys.forEach((k) => busyKeys.add(k));
              await flush();
              for (const b of batch) seen.set(b.key, [...(seen.get(b.key) ?? []), b.n]);
              batchKeys.forEach((k) => busyKeys.delete(k));
            },
            rethrow,
          );
          // Numbered in arrival order, pushed in chunks as a consumer would.
          const numbered = keyed(
            (x) => x.key,
            keys.map((key, n) => ({ key, n })),
          );
          for (let i = 0; i < numbered.length; i += 13) await sut.push(numbered.slice(i, i + 13));
          await sut.drain();
          expect(overlap).toBe(false);
          for (const [key, ns] of seen) {
            expect(ns).toEqual(numbered.filter((x) => x.key === key).map((x) => x.item.n));
          }
          expect([...seen.values()].flat()).toHaveLength(keys.length);
        },
      ),
    );
  });

  it('takes a trickle in one call', async () => {
    const w = controlledWork<string>();
    const sut = new StoryScheduler<string>(
      4,
      { maxBatch: 500, minBatch: 50, maxQueued: 500 },
      w.work,
      rethrow,
    );
    await sut.push(keyed((s) => s, ['s1', 's2', 's3', 's4', 's5']));
    expect(w.calls.map((c) => c.items)).toEqual([['s1', 's2', 's3', 's4', 's5']]);
  });

  it('shares a backlog out among the workers, over disjoint stories', async () => {
    const w = controlledWork<string>();
    const sut = new StoryScheduler<string>(
      4,
      { maxBatch: 500, minBatch: 50, maxQueued: 1000 },
      w.work,
      rethrow,
    );
    const stories = Array.from({ length: 400 }, (_, i) => `story-${i}`);
    await sut.push(keyed((s) => s, stories));
    expect(w.calls.map((c) => c.items.length)).toEqual([100, 100, 100, 100]);
    expect(w.maxRunning()).toBe(4);
    expect(new Set(w.calls.flatMap((c) => c.items)).size).toBe(400);
  });

  it('lets a trickle gather behind a running call rather than start small calls beside it', async () => {
    const w = controlledWork<string>();
    const sut = new StoryScheduler<string>(
      4,
      { maxBatch: 500, minBatch: 3, maxQueued: 500 },
      w.work,
      rethrow,
    );
    await sut.push(keyed((s) => s, ['s1']));
    await sut.push(keyed((s) => s, ['s2']));
    await sut.push(keyed((s) => s, ['s3']));
    expect(w.calls.map((c) => c.items)).toEqual([['s1']]);
    await sut.push(keyed((s) => s, ['s4']));
    expect(w.calls.map((c) => c.items)).toEqual([['s1'], ['s2', 's3', 's4']]);
    await sut.push(keyed((s) => s, ['s5']));
    w.calls[0].finish();
    await flush();
    expect(w.calls.map((c) => c.items)).toEqual([['s1'], ['s2', 's3', 's4']]);
    w.calls[1].finish();
    await flush();
    expect(w.calls[2].items).toEqual(['s5']);
  });

  describe('with a linger', () => {
    const LINGER_MS = 40;
    const lingering = (w: ReturnType<typeof controlledWork<string>>, minBatch = 5) =>
      new StoryScheduler<string>(
        4,
        { maxBatch: 500, minBatch, maxQueued: 500, lingerMs: LINGER_MS },
        w.work,
        rethrow,
      );

    it('lets a trickle wait for company, then takes it in one call', async () => {
      const w = controlledWork<string>();
      const sut = lingering(w);
      const started = performance.now();
      await sut.push(keyed((s) => s, ['s1']));
      await sut.push(keyed((s) => s, ['s2', 's3']));
      await flush();
      expect(w.calls).toHaveLength(0);
      await expectEventually(() => expect(w.calls).toHaveLength(1));
      // Timers may fire a millisecond early against performance.now().
      expect(performance.now() - started).toBeGreaterThanOrEqual(LINGER_MS - 2);
      expect(w.calls[0].items).toEqual(['s1', 's2', 's3']);
    });

    it('starts at once when minBatch items wait', async () => {
      const w = controlledWork<string>();
      const sut = lingering(w, 3);
      await sut.push(keyed((s) => s, ['s1', 's2']));
      expect(w.calls).toHaveLength(0);
      await sut.push(keyed((s) => s, ['s3']));
      expect(w.calls.map((c) => c.items)).toEqual([['s1', 's2', 's3']]);
    });

    it('counts the wait from the oldest item, also behind a running call', async () => {
      const w = controlledWork<string>();
      const sut = lingering(w);
      await sut.push(keyed((s) => s, ['s1']));
      await expectEventually(() => expect(w.calls).toHaveLength(1));
      await sut.push(keyed((s) => s, ['s2']));
      // s2 waits out its linger behind the running call, then goes as soon as that call ends (a
      // linger counted from the call's end would hold it another LINGER_MS).
      await expectThroughout(() => expect(w.calls).toHaveLength(1), {
        forMs: LINGER_MS + 5,
        intervalMs: 5,
      });
      w.calls[0].finish();
      await flush();
      expect(w.calls.map((c) => c.items)).toEqual([['s1'], ['s2']]);
    });

    it('lets drain wait out a lingering trickle', async () => {
      const w = controlledWork<string>();
      const sut = lingering(w);
      await sut.push(keyed((s) => s, ['s1']));
      const drained = sut.drain();
      await expectEventually(() => expect(w.calls).toHaveLength(1));
      w.calls[0].finish();
      await drained;
      expect(sut.waiting).toBe(0);
    });
  });

  it('lets a free worker pass over stories that are busy, and keeps their later items back', async () => {
    const w = controlledWork<string>();
    const sut = new StoryScheduler<string>(
      2,
      { maxBatch: 10, minBatch: 1, maxQueued: 100 },
      w.work,
      rethrow,
    );
    await sut.push([{ key: 'a', item: 'a1' }]);
    await sut.push(keyed((x) => x[0], ['a2', 'b1', 'a3', 'b2', 'c1']));
    expect(w.calls.map((c) => c.items)).toEqual([['a1'], ['b1', 'b2', 'c1']]);
    w.calls[0].finish();
    await flush();
    expect(w.calls[2].items).toEqual(['a2', 'a3']);
  });

  it('hands a call at most maxBatch items', async () => {
    const w = controlledWork<number>();
    const sut = new StoryScheduler<number>(
      1,
      { maxBatch: 4, minBatch: 1, maxQueued: 1000 },
      w.work,
      rethrow,
    );
    await sut.push(
      keyed(
        () => 's',
        Array.from({ length: 10 }, (_, i) => i),
      ),
    );
    expect(w.calls.map((c) => c.items)).toEqual([[0, 1, 2, 3]]);
    w.calls[0].finish();
    await flush();
    expect(w.calls[1].items).toEqual([4, 5, 6, 7]);
  });

  it('makes push wait while more than maxQueued items wait, and drain wait for the work', async () => {
    const w = controlledWork<number>();
    const sut = new StoryScheduler<number>(
      1,
      { maxBatch: 2, minBatch: 1, maxQueued: 3 },
      w.work,
      rethrow,
    );
    let pushed = false;
    const push = sut.push(keyed(() => 's', [0, 1, 2, 3, 4, 5, 6, 7])).then(() => (pushed = true));
    await flush();
    expect(pushed).toBe(false);
    expect(sut.waiting).toBe(6);
    w.calls[0].finish();
    await flush();
    expect(pushed).toBe(false); // 4 still waiting
    w.calls[1].finish();
    await push;
    expect(sut.waiting).toBe(2);

    let drained = false;
    const drain = sut.drain().then(() => (drained = true));
    w.calls[2].finish();
    await flush();
    expect(drained).toBe(false);
    w.calls[3].finish();
    await drain;
    expect(w.calls.flatMap((c) => c.items)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('passes what work throws to onError and carries on', async () => {
    const errors: unknown[] = [];
    const done: number[] = [];
    const sut = new StoryScheduler<number>(
      1,
      { maxBatch: 1, minBatch: 1, maxQueued: 100 },
      async (items) => {
        if (items[0] === 1) throw new Error('boom');
        done.push(...items);
      },
      (e) => errors.push(e),
    );
    await sut.push(keyed(() => 's', [0, 1, 2]));
    await sut.drain();
    expect(done).toEqual([0, 2]);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('refuses nonsense sizes', () => {
    const work = () => Promise.resolve();
    const limits = { maxBatch: 1, minBatch: 1, maxQueued: 1 };
    expect(() => new StoryScheduler(0, limits, work, rethrow)).toThrow(RangeError);
    expect(() => new StoryScheduler(1.5, limits, work, rethrow)).toThrow(RangeError);
    expect(() => new StoryScheduler(1, { ...limits, maxBatch: 0 }, work, rethrow)).toThrow(
      RangeError,
    );
  });
});
