import type { StoryEvent } from '@livefeed/domain';
import { backoffDelay } from '@livefeed/messaging';
import { StoryCursor, type CursorPorts, type Sleeper } from './story.cursor';
import type { StreamLimits } from './stream.limits';
import { STORY, eventAt } from './testing/stream.fixtures';

/** Sleeps that last until the test wakes them: the test decides when time has passed. */
class ManualSleeper implements Sleeper {
  readonly slept: number[] = [];
  private wakes: (() => void)[] = [];

  get asleep(): boolean {
    return this.wakes.length > 0;
  }

  sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    return new Promise((resolve) => this.wakes.push(resolve));
  }

  interrupt(): void {
    this.wake();
  }

  wake(): void {
    const wakes = this.wakes;
    this.wakes = [];
    for (const wake of wakes) wake();
  }
}

/** The story's log in the database, and what the cursor tells its stream. */
class Story implements CursorPorts {
  log: StoryEvent[] = [];
  failing = false;
  reads = 0;
  subscribers = 1;
  joining = 0;
  readonly moves: number[] = [];
  readonly jumps: ('skipped' | 'forgotten')[] = [];
  readonly warnings: string[] = [];

  commit(count: number): StoryEvent[] {
    const start = this.log.length + 1;
    const added = Array.from({ length: count }, (_, i) => eventAt(start + i));
    this.log.push(...added);
    return added;
  }

  async readEvents(after: number, limit: number): Promise<readonly StoryEvent[]> {
    this.reads += 1;
    if (this.failing) throw new Error('connection terminated');
    return this.log.filter((e) => e.version > after).slice(0, limit);
  }

  moved(event: StoryEvent): void {
    this.moves.push(event.version);
  }

  jumped(forgotten: boolean): void {
    this.jumps.push(forgotten ? 'forgotten' : 'skipped');
  }

  audience() {
    return { subscribers: this.subscribers, joining: this.joining };
  }

  warn(message: string): void {
    this.warnings.push(message);
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setUp(limits: Partial<Pick<StreamLimits, 'pendingMax' | 'holeGraceMs'>> = {}) {
  const story = new Story();
  const sleeper = new ManualSleeper();
  const cursor = new StoryCursor(
    STORY,
    story,
    { pendingMax: 10_000, holeGraceMs: 0, ...limits },
    sleeper,
  );
  return { story, sleeper, cursor };
}

/** Lets a sleeping fill retry `times` times. */
async function retry(sleeper: ManualSleeper, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    expect(sleeper.asleep).toBe(true);
    sleeper.wake();
    await flush();
  }
}

describe('a story cursor', () => {
  describe('when events arrive in order or nearly', () => {
    it('starts at the first event it hears of', () => {
      const { story, cursor } = setUp();
      story.commit(4);
      cursor.offer([story.log[3]]);
      expect(cursor.version).toBe(4);
      expect(story.moves).toEqual([4]);
    });

    it('moves one version at a time, dropping duplicates and reordering', () => {
      const { story, cursor } = setUp();
      const [e1, e2, e3, e4] = story.commit(4);
      cursor.offer([e1]);
      cursor.offer([e3, e2, e2, e4, e3, e1]);
      expect(story.moves).toEqual([1, 2, 3, 4]);
      expect(story.reads).toBe(0);
    });

    it('ignores events of other stories', () => {
      const { story, cursor } = setUp();
      cursor.offer(story.commit(1));
      cursor.offer([eventAt(2, 'another-story')]);
      expect(cursor.version).toBe(1);
      expect(cursor.committed).toBe(1);
    });
  });

  describe('when an event is missing', () => {
    it('waits a moment before reading it, and reads nothing if it turns up meanwhile', async () => {
      const { story, sleeper, cursor } = setUp({ holeGraceMs: 20 });
      const [e1, e2, e3] = story.commit(3);
      cursor.offer([e1, e3]);
      expect(sleeper.slept).toEqual([20]);
      cursor.offer([e2]);
      await retry(sleeper, 1);
      expect(story.moves).toEqual([1, 2, 3]);
      expect(story.reads).toBe(0);
      expect(cursor.busy).toBe(false);
    });

    it('reads the hole from the database when it stays open', async () => {
      const { story, sleeper, cursor } = setUp({ holeGraceMs: 20 });
      const added = story.commit(5);
      cursor.offer([added[0], added[4]]);
      await retry(sleeper, 1);
      expect(story.moves).toEqual([1, 2, 3, 4, 5]);
      expect(story.reads).toBe(1);
    });

    it('retries a failing read after the growing delays of backoffDelay', async () => {
      const { story, sleeper, cursor } = setUp();
      const added = story.commit(3);
      story.failing = true;
      cursor.offer([added[0], added[2]]);
      await flush();
      await retry(sleeper, 3);
      story.failing = false;
      await retry(sleeper, 1);
      expect(sleeper.slept).toEqual(
        [0, 1, 2, 3].map((n) => backoffDelay(n, { initialMs: 50, maxMs: 5000 })),
      );
      expect(story.warnings).toEqual(Array(4).fill('filling a hole failed'));
      expect(story.moves).toEqual([1, 2, 3]);
    });

    it('reads up to a version a subscriber holds, with no later event pending', async () => {
      const { story, cursor } = setUp();
      cursor.offer(story.commit(2));
      story.commit(3);
      cursor.fillTo(5);
      await flush();
      expect(story.moves).toEqual([1, 2, 3, 4, 5]);
    });

    it('reads back the events it had no room to hold, even with its buffer full', async () => {
      const { story, cursor } = setUp({ pendingMax: 2 });
      const added = story.commit(6);
      cursor.offer([added[0]]);
      cursor.offer(added.slice(2));
      await flush();
      expect(story.moves).toEqual([1, 2, 3, 4, 5, 6]);
      expect(cursor.committed).toBe(6);
    });
  });

  describe('when nobody follows the story here', () => {
    it('skips a hole instead of reading it', async () => {
      const { story, cursor } = setUp();
      story.subscribers = 0;
      const added = story.commit(6);
      cursor.offer(added.slice(0, 2));
      cursor.offer(added.slice(4));
      await flush();
      expect(story.reads).toBe(0);
      expect(story.jumps).toEqual(['skipped']);
      expect(story.moves).toEqual([1, 2, 5, 6]);
    });

    it('reads the hole while a subscriber is being stitched in', async () => {
      const { story, cursor } = setUp();
      story.subscribers = 0;
      story.joining = 1;
      const added = story.commit(4);
      cursor.offer([added[0], added[3]]);
      await flush();
      expect(story.moves).toEqual([1, 2, 3, 4]);
    });

    it('forgets the cursor when the hole cannot be read for a while', async () => {
      const { story, sleeper, cursor } = setUp();
      story.subscribers = 0;
      story.joining = 1;
      const added = story.commit(3);
      story.failing = true;
      cursor.offer([added[0], added[2]]);
      await flush();
      await retry(sleeper, 6);
      expect(sleeper.asleep).toBe(false);
      expect(cursor.version).toBeUndefined();
      expect(story.jumps).toEqual(['forgotten']);
      expect(story.warnings.at(-1)).toBe('giving up a hole nobody waits for');
      expect(cursor.busy).toBe(false);
    });
  });

  it('keeps retrying a hole a subscriber waits for', async () => {
    const { story, sleeper, cursor } = setUp();
    const added = story.commit(3);
    story.failing = true;
    cursor.offer([added[0], added[2]]);
    await flush();
    await retry(sleeper, 8);
    expect(sleeper.slept.slice(-3)).toEqual([3200, 5000, 5000]);
    expect(cursor.version).toBe(1);
    expect(story.jumps).toEqual([]);
  });

  it('starts at a loaded version, and reads up to one beyond the cursor', async () => {
    const { story, cursor } = setUp();
    story.commit(3);
    cursor.loaded(3);
    expect(cursor.version).toBe(3);
    story.commit(2);
    cursor.loaded(5);
    expect(cursor.committed).toBe(5);
    await flush();
    expect(story.moves).toEqual([4, 5]);
  });

  it('stops filling when closed, cutting a backoff short', async () => {
    const { story, sleeper, cursor } = setUp();
    const added = story.commit(3);
    story.failing = true;
    cursor.offer([added[0], added[2]]);
    await flush();
    expect(sleeper.asleep).toBe(true);
    const reads = story.reads;
    cursor.close();
    await flush();
    expect(sleeper.asleep).toBe(false);
    expect(cursor.busy).toBe(false);
    expect(story.reads).toBe(reads);
    cursor.offer([added[1]]);
    expect(story.moves).toEqual([1]);
  });
});
