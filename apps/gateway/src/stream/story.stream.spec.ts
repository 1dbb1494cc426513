import fc from 'fast-check';
import type { StoryEvent, StoryState } from '@livefeed/domain';
import { StoryStream, type JoinOutcome, type StreamPorts, type Visibility } from './story.stream';
import type { StreamLimits } from './stream.limits';
import { STORY, eventAt, stateAt } from './testing/stream.fixtures';

type Received = { name: 'snapshot'; version: number } | { name: 'event'; version: number };

/** A story log, a room and sockets, all in memory; reads can be held back to force races. */
class World implements StreamPorts {
  log: StoryEvent[] = [];
  visibility: Visibility = 'public';
  exists = true;
  reads = 0;
  loads = 0;
  readonly received = new Map<string, Received[]>();
  readonly room = new Set<string>();
  private held: (() => void)[] = [];
  holdReads = false;

  commit(count = 1): StoryEvent[] {
    const added: StoryEvent[] = [];
    for (let i = 0; i < count; i += 1) {
      const e = eventAt(this.log.length + 1);
      this.log.push(e);
      added.push(e);
    }
    return added;
  }

  async readEvents(_storyId: string, after: number, limit: number): Promise<readonly StoryEvent[]> {
    this.reads += 1;
    await this.gate();
    return this.log.filter((e) => e.version > after).slice(0, limit);
  }

  async loadStory(): Promise<StoryState | null> {
    this.loads += 1;
    await this.gate();
    return this.exists ? stateAt(this.log.length, this.visibility) : null;
  }

  /** Versions asked of `loadStateAt`, which also count as loads. */
  readonly statesAt: number[] = [];
  async loadStateAt(_storyId: string, version: number): Promise<StoryState | null> {
    this.loads += 1;
    this.statesAt.push(version);
    await this.gate();
    return this.exists ? stateAt(Math.min(version, this.log.length), this.visibility) : null;
  }

  broadcast(_storyId: string, event: StoryEvent): void {
    for (const key of this.room) this.inbox(key).push({ name: 'event', version: event.version });
  }

  sendSnapshot(key: string, payload: unknown): void {
    this.inbox(key).push({ name: 'snapshot', version: (payload as { version: number }).version });
  }

  together(_key: string, writes: () => void): void {
    writes();
  }

  sendEvents(key: string, events: readonly StoryEvent[]): void {
    for (const event of events) this.inbox(key).push({ name: 'event', version: event.version });
  }

  join(key: string): void {
    this.room.add(key);
  }

  leave(key: string): void {
    this.room.delete(key);
  }

  inbox(key: string): Received[] {
    let box = this.received.get(key);
    if (!box) this.received.set(key, (box = []));
    return box;
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const go of held) go();
  }

  private gate(): Promise<void> {
    if (!this.holdReads) return Promise.resolve();
    return new Promise((resolve) => this.held.push(resolve));
  }
}

/** Versions a subscriber ends up holding: the snapshot (if any) then each event exactly once, in order. */
function assertGapless(received: readonly Received[], since: number | undefined): number {
  let holds = since ?? -1;
  received.forEach((m, i) => {
    if (m.name === 'snapshot') {
      expect(i).toBe(0);
      holds = m.version;
      return;
    }
    expect(holds).toBeGreaterThanOrEqual(0);
    expect(m.version).toBe(holds + 1);
    holds = m.version;
  });
  return holds;
}

const acked: number[] = [];
function request(
  key: string,
  since: number | undefined,
  mayRead: (v: Visibility) => boolean = () => true,
) {
  return {
    key,
    since,
    mayRead,
    isCurrent: () => true,
    accept: (version: number) => acked.push(version),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Lets held reads go, one round at a time, until the join is done. */
async function settle<T>(world: World, join: Promise<T>): Promise<T> {
  let done = false;
  void join.finally(() => (done = true));
  while (!done) {
    world.release();
    await flush();
  }
  return join;
}

function streamOf(world: World, limits: Partial<StreamLimits> = {}) {
  return new StoryStream(STORY, world, {
    cacheEvents: 1000,
    catchUpMax: 1000,
    missingTtlMs: 1000,
    pendingMax: 10_000,
    // No stitch tail and no grace before reading a hole: the window is exactly `cacheEvents`, and a
    // hole is read on the next turn, which is what these scenarios wait for.
    stitchTail: 0,
    holeGraceMs: 0,
    ...limits,
  });
}

describe('a story stream', () => {
  describe('when a reader starts fresh', () => {
    it('sends one snapshot, then every new event once and in order', async () => {
      const world = new World();
      world.commit(3);
      const stream = streamOf(world);
      const outcome = await stream.join(request('a', undefined));
      expect(outcome).toMatchObject({ kind: 'joined', version: 3 });
      stream.offer(world.commit(2));
      expect(world.received.get('a')).toEqual([
        { name: 'snapshot', version: 3 },
        { name: 'event', version: 4 },
        { name: 'event', version: 5 },
      ]);
    });

    it('refuses a story that does not exist', async () => {
      const world = new World();
      world.exists = false;
      await expect(streamOf(world).join(request('a', undefined))).resolves.toEqual({
        kind: 'not-found',
      });
      expect(world.received.size).toBe(0);
    });

    it('refuses a private story to a reader without a grant, sending nothing', async () => {
      const world = new World();
      world.commit(2);
      world.visibility = 'private';
      const outcome = await streamOf(world).join(request('a', undefined, (v) => v === 'public'));
      expect(outcome).toEqual({ kind: 'forbidden' });
      expect(world.received.size).toBe(0);
    });
  });

  describe('when a reader resumes', () => {
    it('sends exactly the missed events from the cache', async () => {
      const world = new World();
      world.commit(1);
      const stream = streamOf(world);
      await stream.join(request('first', undefined));
      stream.offer(world.commit(9));
      const readsBefore = world.reads;
      await stream.join(request('b', 4));
      expect(world.received.get('b')?.map((m) => m.version)).toEqual([5, 6, 7, 8, 9, 10]);
      expect(world.reads).toBe(readsBefore);
    });

    it('reads the database once for the missed events the cache does not hold', async () => {
      const world = new World();
      world.commit(50);
      const stream = streamOf(world);
      await stream.join(request('b', 10));
      expect(world.received.get('b')?.map((m) => m.version)).toEqual(
        Array.from({ length: 40 }, (_, i) => 11 + i),
      );
      expect(world.reads).toBe(1);
    });

    it('sends nothing but keeps it live when it already holds the head', async () => {
      const world = new World();
      world.commit(5);
      const stream = streamOf(world);
      await stream.join(request('b', 5));
      expect(world.received.get('b') ?? []).toEqual([]);
      stream.offer(world.commit(1));
      expect(world.received.get('b')).toEqual([{ name: 'event', version: 6 }]);
    });

    it('sends a snapshot to a reader that saw another history (since beyond the head)', async () => {
      const world = new World();
      world.commit(5);
      const stream = streamOf(world);
      await stream.join(request('b', 9));
      expect(world.received.get('b')).toEqual([{ name: 'snapshot', version: 5 }]);
    });

    it('sends a snapshot instead of a catch-up longer than the limit', async () => {
      const world = new World();
      world.commit(30);
      const stream = streamOf(world, { catchUpMax: 10 });
      await stream.join(request('b', 5));
      expect(world.received.get('b')).toEqual([{ name: 'snapshot', version: 30 }]);
    });

    it('does not repeat versions to a reader ahead of this instance (another instance was faster)', async () => {
      const world = new World();
      const stream = streamOf(world);
      stream.offer(world.commit(3));
      world.commit(4); // committed, not yet arrived here
      await stream.join(request('b', 6));
      await flush();
      stream.offer(world.log.slice(3)); // the late live events arrive
      stream.offer(world.commit(2));
      // It held 6: the cursor reaching 6 puts it in the room, 7 on is new to it.
      expect(world.received.get('b')?.map((m) => m.version)).toEqual([7, 8, 9]);
    });

    it('shares one database read among concurrent catch-ups of one story', async () => {
      const world = new World();
      world.commit(400);
      const stream = streamOf(world, { cacheEvents: 1000 });
      world.holdReads = true;
      const joins = Array.from({ length: 100 }, (_, i) =>
        stream.join(request(`c${i}`, (i * 7) % 400)),
      );
      await flush();
      world.release();
      await flush();
      world.release();
      await Promise.all(joins);
      expect(world.loads + world.reads).toBe(2);
      for (let i = 0; i < 100; i += 1)
        expect(assertGapless(world.received.get(`c${i}`) ?? [], (i * 7) % 400)).toBe(400);
    });
    it('needs at most two reads for concurrent catch-ups from assorted versions with a small cache', async () => {
      const world = new World();
      world.commit(400);
      const stream = streamOf(world, { cacheEvents: 10 });
      await stream.join(request('first', 400));
      world.holdReads = true;
      const sinces = Array.from({ length: 50 }, (_, i) => (i * 53) % 390);
      const joins = sinces.map((since, i) => stream.join(request(`c${i}`, since)));
      await settle(world, Promise.all(joins));
      expect(world.reads).toBeLessThanOrEqual(2);
      sinces.forEach((since, i) =>
        expect(assertGapless(world.received.get(`c${i}`) ?? [], since)).toBe(400),
      );
    });
  });

  describe('when the snapshot it keeps cannot be brought to the cursor from memory', () => {
    it('reads the state at the cursor, as time travel does, for a reader starting fresh', async () => {
      const world = new World();
      world.commit(30);
      const stream = streamOf(world);
      await stream.join(request('a', undefined));
      stream.dropCache();
      await stream.join(request('b', undefined));
      expect(world.statesAt).toEqual([30]);
      expect(world.received.get('b')).toEqual([{ name: 'snapshot', version: 30 }]);
    });

    it('reads it once for every reader further behind than the catch-up limit', async () => {
      const world = new World();
      world.commit(30);
      const stream = streamOf(world, { catchUpMax: 10, cacheEvents: 5 });
      await stream.join(request('first', undefined));
      // Beyond what the window keeps: the snapshot at 30 cannot be folded to 70 in memory.
      stream.offer(world.commit(40));
      world.holdReads = true;
      const joins = Array.from({ length: 20 }, (_, i) => stream.join(request(`r${i}`, i)));
      await settle(world, Promise.all(joins));
      expect(world.statesAt).toEqual([70]);
      stream.offer(world.commit(1));
      for (let i = 0; i < 20; i += 1)
        expect(world.received.get(`r${i}`)).toEqual([
          { name: 'snapshot', version: 70 },
          { name: 'event', version: 71 },
        ]);
    });

    it('still reads the current state for a reader that claims versions beyond the cursor', async () => {
      const world = new World();
      world.commit(5);
      const stream = streamOf(world);
      await stream.join(request('a', 5));
      await stream.join(request('b', 9));
      expect(world.statesAt).toEqual([]);
      expect(world.received.get('b')).toEqual([{ name: 'snapshot', version: 5 }]);
    });
  });

  describe('when live events arrive imperfectly', () => {
    it('drops duplicates and reorders', async () => {
      const world = new World();
      world.commit(1);
      const stream = streamOf(world);
      await stream.join(request('a', 1));
      const [e2, e3, e4] = world.commit(3);
      world.holdReads = true;
      stream.offer([e3, e2, e2, e4, e3]);
      expect(world.received.get('a')?.map((m) => m.version)).toEqual([2, 3, 4]);
    });

    it('fills a hole from the database before sending anything newer', async () => {
      const world = new World();
      world.commit(1);
      const stream = streamOf(world);
      await stream.join(request('a', 1));
      const added = world.commit(5);
      stream.offer([added[4]]); // versions 2-5 lost on the way
      await flush();
      expect(world.received.get('a')?.map((m) => m.version)).toEqual([2, 3, 4, 5, 6]);
    });

    it('does not read a hole in a story nobody follows here', async () => {
      const world = new World();
      const stream = streamOf(world);
      const added = world.commit(6);
      stream.offer([added[0], added[1]]);
      stream.offer([added[4], added[5]]); // 3 and 4 lost
      await flush();
      expect(world.reads).toBe(0);
      expect(stream.cursor).toBe(6);
      await stream.join(request('late', 2));
      expect(world.received.get('late')?.map((m) => m.version)).toEqual([3, 4, 5, 6]);
    });

    it('stitches a catch-up to live events committed while it was being read', async () => {
      const world = new World();
      world.commit(20);
      const stream = streamOf(world);
      stream.offer([world.log[19]]); // cursor known at 20, cache empty
      world.holdReads = true;
      const join = stream.join(request('a', 3));
      await flush();
      stream.offer(world.commit(5)); // 21..25 broadcast while the catch-up read is in flight
      await settle(world, join);
      stream.offer(world.commit(1));
      expect(assertGapless(world.received.get('a') ?? [], 3)).toBe(26);
    });
  });

  it('keeps every reader gapless whatever the interleaving of commits, deliveries and subscribes', async () => {
    type Op =
      | { op: 'commit'; n: number }
      | { op: 'deliver'; dup: boolean; drop: boolean; swap: boolean }
      | { op: 'join'; since: number | null }
      | { op: 'release' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('commit' as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        op: fc.constant('deliver' as const),
        dup: fc.boolean(),
        drop: fc.boolean(),
        swap: fc.boolean(),
      }),
      fc.record({
        op: fc.constant('join' as const),
        since: fc.option(fc.integer({ min: 0, max: 40 })),
      }),
      fc.record({ op: fc.constant('release' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 8 }),
        async (ops, cache) => {
          const world = new World();
          world.commit(1);
          world.holdReads = true;
          const stream = streamOf(world, { cacheEvents: cache, catchUpMax: 12 });
          let undelivered: StoryEvent[] = [];
          const joins: Promise<JoinOutcome>[] = [];
          const sinces = new Map<string, number | undefined>();
          for (const [i, step] of ops.entries()) {
            if (step.op === 'commit') undelivered.push(...world.commit(step.n));
            if (step.op === 'deliver' && undelivered.length > 0) {
              let batch = undelivered;
              undelivered = [];
              if (step.swap && batch.length > 1) batch = [batch[1], batch[0], ...batch.slice(2)];
              if (step.drop) batch = batch.slice(1);
              if (step.dup) batch = [...batch, ...batch];
              stream.offer(batch);
            }
            if (step.op === 'join') {
              const since =
                step.since === null ? undefined : Math.min(step.since, world.log.length + 2);
              sinces.set(`s${i}`, since);
              joins.push(stream.join(request(`s${i}`, since)));
            }
            if (step.op === 'release') world.release();
            await flush();
          }
          world.holdReads = false;
          stream.offer(undelivered);
          for (let i = 0; i < 10; i += 1) {
            world.release();
            await flush();
          }
          await Promise.all(joins);
          stream.offer(world.commit(1));
          for (let i = 0; i < 5; i += 1) await flush();
          for (const [key, since] of sinces) {
            const received = world.received.get(key) ?? [];
            const holds = assertGapless(received, since);
            expect(holds).toBe(world.log.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
