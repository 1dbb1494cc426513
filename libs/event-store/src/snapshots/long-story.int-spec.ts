import { evolve, type StoryEvent, type StoryState } from '@livefeed/domain';
import { DEFAULT_SNAPSHOT_EVERY, EventStore } from '../event-store';
import type { HistoryReadStats } from '../event-store.types';
import { createPool } from '../postgres/pool';
import { insertLongStory, LONG_STORY_START } from '../testing/long-story.fixture';
import { openTestStore, type TestStore } from '../testing/store.fixture';
import { entryIdOf } from './snapshot.chain';

jest.setTimeout(300_000);

const ID = 'long-story';
const HEAD = 100_000;
const N = DEFAULT_SNAPSHOT_EVERY;
const CHECKED = [1, 2, 100, 101, 250, 50_003, 50_007, 50_050, 99_999, HEAD];

let t: TestStore;
let store: EventStore;
const reads: HistoryReadStats[] = [];
const lastRead = () => reads[reads.length - 1];
let log: StoryEvent[];
/** The fold from version 1 at each checked version: what time travel must answer. */
const folded = new Map<number, StoryState>();
const timings: string[] = [];

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  timings.push(`${what}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

beforeAll(async () => {
  t = await openTestStore();
  const pool = createPool(t.url);
  store = new EventStore(pool, { onHistoryRead: (s) => reads.push(s) });
  await insertLongStory(pool, ID, HEAD);
  await pool.query('ANALYZE events');
  log = [];
  for (let after = 0; after < HEAD; after = log[log.length - 1].version)
    log.push(...(await store.readEvents(ID, after, 10_000)));
  let state: StoryState | null = null;
  for (const event of log) {
    state = evolve(state, event);
    if (CHECKED.includes(event.version)) folded.set(event.version, state);
  }
});

afterAll(async () => {
  // Information only: timings are not asserted (a shared machine), the rows read are.
  console.log(`time travel on a story of ${HEAD} events, N = ${N}:\n  ${timings.join('\n  ')}`);
  await store.close();
  await t.close();
});

describe(`a story of ${HEAD} events`, () => {
  it('is generated as a valid log: the fold from version 1 reaches the head', () => {
    expect(log).toHaveLength(HEAD);
    expect(folded.get(HEAD)).toMatchObject({ version: HEAD, id: ID });
    expect(folded.get(HEAD)?.entries.length).toBe(1000);
  });

  it('has its missing snapshots written by the first read that needs them', async () => {
    const state = await timed('first read at 50,050, no snapshots yet', () =>
      store.stateAt(ID, { version: 50_050 }),
    );
    expect(state).toEqual(folded.get(50_050));
    expect(lastRead()).toMatchObject({ fromSnapshot: 0, snapshotsWritten: 50_000 / N });
    const rest = await timed('writing the remaining snapshots', () => store.writeSnapshots([ID]));
    expect(rest).toBe((HEAD - 50_000) / N);
  });

  it.each(CHECKED)('answers ?at=%d from a snapshot, folding at most N events', async (version) => {
    const state = await timed(`?at=${version}`, () => store.stateAt(ID, { version }));
    expect(state).toEqual(folded.get(version));
    expect(lastRead()).toMatchObject({
      fromSnapshot: Math.floor(version / N) * N,
      snapshotsWritten: 0,
    });
    expect(lastRead().eventsFolded).toBeLessThanOrEqual(N);
  });

  it.each([
    // Event 50,007 was recorded 3.5 s early, at +50,004 s: before 50,004 to 50,006.
    [50_003.9, 50_003],
    [50_004.2, 50_007],
    [50_007.6, 50_007],
    [250.5, 250],
    [0.9, null],
    [1.5, 1],
    [HEAD + 5, HEAD],
  ])('answers ?at=<start + %d s> with the state after version %p', async (seconds, version) => {
    const instant = new Date(LONG_STORY_START + seconds * 1000).toISOString();
    const state = await timed(`?at=${instant}`, () => store.stateAt(ID, { instant }));
    expect(state).toEqual(version === null ? null : folded.get(version));
    // The chunk found by its earliest instant, the events after the last snapshot, and the fold.
    expect(lastRead().eventsScanned).toBeLessThanOrEqual(3 * N);
  });

  it("lists an entry's revisions from the chunks that touched it", async () => {
    const history = await timed('history of e500', () => store.entryHistory(ID, 'e500'));
    const touched = log.filter((e) => entryIdOf(e) === 'e500');
    expect(history?.revisions.map((rev) => [rev.version, rev.type])).toEqual(
      touched.map((e) => [e.version, e.type]),
    );
    expect(history?.revisions.at(-1)).toMatchObject({ type: 'entry.unpinned' });
    expect(history?.revisions.at(-2)?.body).toBe('<p>Entry 500, revision 97.</p>');
    expect(lastRead().eventsScanned).toBeLessThanOrEqual(3 * N);
  });
});
