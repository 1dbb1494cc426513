import pino from 'pino';
import type { StoryEvent } from '@livefeed/domain';
import { expectEventually, expectThroughout } from '@livefeed/common/testing';
import { SnapshotWriter, STORIES_PER_ROUND } from './snapshot.writer';

const EVERY = 10;

/** Events of `storyId` with the given versions (only the fields the writer reads matter). */
const events = (storyId: string, ...versions: number[]) =>
  versions.map((version) => ({ storyId, version }) as StoryEvent);

/** A store whose rounds the test finishes by hand, recording what each round was given. */
function heldStore() {
  const rounds: Array<{ storyIds: string[]; finish: (error?: Error) => void }> = [];
  let running = 0;
  let maxRunning = 0;
  const store = {
    writeSnapshots: (storyIds: readonly string[]) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<number>((resolve, reject) =>
        rounds.push({
          storyIds: [...storyIds],
          finish: (error) => {
            running -= 1;
            if (error) reject(error);
            else resolve(storyIds.length);
          },
        }),
      );
    },
  };
  let taken = 0;
  /** Waits for the next round not yet finished here, and finishes it. */
  const finishNext = async (error?: Error) => {
    const round = await expectEventually(() => {
      const next = rounds[taken];
      if (!next) throw new Error(`round ${taken + 1} has not started`);
      return next;
    });
    taken += 1;
    round.finish(error);
    return round.storyIds;
  };
  return { store, rounds, finishNext, maxRunning: () => maxRunning };
}

function recordingLog() {
  const lines: Array<{ msg: string; stories?: number }> = [];
  const log = pino(
    { level: 'warn' },
    { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
  );
  return { log, lines };
}

describe('SnapshotWriter', () => {
  it('writes the stories whose events reach a multiple of N, and no others', async () => {
    const { store, finishNext } = heldStore();
    const written: number[] = [];
    const writer = new SnapshotWriter(store, EVERY, recordingLog().log, (n) => written.push(n));

    writer.committed([...events('a', 8, 9), ...events('b', 9, 10, 11), ...events('c', 20)]);

    expect((await finishNext()).sort()).toEqual(['b', 'c']);
    await writer.onApplicationShutdown();
    expect(written).toEqual([2]);
  });

  it(`writes stories that fall due together in rounds of at most ${STORIES_PER_ROUND}, one round at a time, each story once`, async () => {
    const { store, finishNext, rounds, maxRunning } = heldStore();
    const writer = new SnapshotWriter(store, EVERY, recordingLog().log);
    const ids = Array.from({ length: 25 }, (_, i) => `s${i}`);

    writer.committed(ids.flatMap((id) => events(id, 10)));
    const seen: string[] = [];
    while (seen.length < ids.length) seen.push(...(await finishNext()));
    await writer.onApplicationShutdown();

    expect(seen.sort()).toEqual([...ids].sort());
    expect(rounds.length).toBe(Math.ceil(ids.length / STORIES_PER_ROUND));
    for (const round of rounds)
      expect(round.storyIds.length).toBeLessThanOrEqual(STORIES_PER_ROUND);
    expect(maxRunning()).toBe(1);
  });

  it('writes a story again when it falls due again while its round runs', async () => {
    const { store, rounds, finishNext } = heldStore();
    const writer = new SnapshotWriter(store, EVERY, recordingLog().log);

    writer.committed(events('a', 10));
    await expectEventually(() => expect(rounds).toHaveLength(1));
    writer.committed(events('a', 20));
    expect(await finishNext()).toEqual(['a']);
    expect(await finishNext()).toEqual(['a']);
    expect(rounds).toHaveLength(2);
    await writer.onApplicationShutdown();
  });

  it('logs a failed round and goes on with the stories still due', async () => {
    const { store, finishNext } = heldStore();
    const { log, lines } = recordingLog();
    const writer = new SnapshotWriter(store, EVERY, log);
    const ids = Array.from({ length: STORIES_PER_ROUND + 1 }, (_, i) => `s${i}`);

    writer.committed(ids.flatMap((id) => events(id, 30)));
    const failed = await finishNext(new Error('connection reset'));
    const after = await finishNext();
    await writer.onApplicationShutdown();

    expect(failed).toHaveLength(STORIES_PER_ROUND);
    expect([...failed, ...after].sort()).toEqual(ids.sort());
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'writing snapshots failed', stories: STORIES_PER_ROUND }),
    ]);
  });

  it('on shutdown waits for the round in flight and starts no other', async () => {
    const { store, rounds, finishNext } = heldStore();
    const writer = new SnapshotWriter(store, EVERY, recordingLog().log);
    const ids = Array.from({ length: STORIES_PER_ROUND * 2 }, (_, i) => `s${i}`);

    writer.committed(ids.flatMap((id) => events(id, 10)));
    await expectEventually(() => expect(rounds).toHaveLength(1));
    let stopped = false;
    const stopping = writer.onApplicationShutdown().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    await finishNext();
    await stopping;
    writer.committed(events('late', 10));
    // A round would start within ROUND_DELAY_MS (50 ms).
    await expectThroughout(() => expect(rounds).toHaveLength(1), { forMs: 200 });
  });
});
