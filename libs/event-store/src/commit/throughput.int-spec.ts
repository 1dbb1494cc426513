import type { Report } from '@livefeed/domain';
import type { IncomingReport } from '../event-store.types';
import { random } from '../testing/scenario.fixture';
import { at, items, openTestStore, r, type TestStore } from '../testing/store.fixture';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.close());

const STORIES = Array.from({ length: 500 }, (_, i) => `busy-${i}`);
const BATCH = 500;

/** Batches shaped like the ingest's: ~500 reports spread over the 500 stories, mostly new entries. */
function batches(seed: number, count: number, tag: string): IncomingReport[][] {
  const rand = random(seed);
  const posted = new Map<string, number>(STORIES.map((s) => [s, 0]));
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
  return Array.from({ length: count }, () =>
    items(
      Array.from({ length: BATCH }, (_, i): Report => {
        const s = pick(STORIES);
        const n = posted.get(s)!;
        const roll = rand();
        if (roll < 0.6 || n === 0) {
          posted.set(s, n + 1);
          return r.posted(s, `${tag}${n + 1}`, {
            body: `<p>Update ${i}: <strong>shelling</strong> reported near the bridge.</p>`,
          });
        }
        const entry = `${tag}${1 + Math.floor(rand() * n)}`;
        if (roll < 0.75) return r.edited(s, entry, `<p>Corrected ${i}</p>`, 'Figure corrected');
        if (roll < 0.9)
          return r.figure(
            s,
            pick(['deaths', 'injured']),
            pick(['Ministry', 'UN', 'Red Cross']),
            Math.floor(rand() * 500),
          );
        if (roll < 0.95) return r.pinned(s, entry);
        return r.updated(s, { title: `Title ${i}` });
      }),
    ),
  );
}

async function commitAll(
  store: TestStore['store'],
  work: readonly IncomingReport[][],
): Promise<number> {
  let accepted = 0;
  for (const batch of work) {
    const results = await store.commitBatch(batch, new Date().toISOString());
    accepted += results.filter((x) => x.kind === 'accepted').length;
  }
  return accepted;
}

describe('commit throughput (measured, not asserted)', () => {
  beforeAll(async () => {
    await t.store.commitBatch(
      items(STORIES.map((s) => r.opened(s, {}, { occurredAt: at(0) }))),
      at(1),
    );
    await commitAll(t.store, batches(1, 2, 'warm')); // JIT and PostgreSQL caches
  }, 60_000);

  it('commits batches of 500 reports over 500 stories from one worker', async () => {
    const work = batches(2, 40, 'one');
    const cpu = process.cpuUsage();
    const started = performance.now();
    const accepted = await commitAll(t.store, work);
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    // Node's CPU per batch says how much of the time is ours (decide included) rather than PostgreSQL's
    // or other processes' on a shared machine.
    console.log(
      `event-store commitBatch, 1 worker: ${Math.round((work.length * BATCH) / seconds)} reports/s ` +
        `(${work.length} batches of ${BATCH}, ${accepted} accepted, ` +
        `${((seconds * 1000) / work.length).toFixed(1)} ms/batch, ` +
        `node CPU ${((user + system) / 1000 / work.length).toFixed(1)} ms/batch)`,
    );
    expect(accepted).toBeGreaterThan(work.length * BATCH * 0.8);
  }, 120_000);

  it('commits from two workers racing on the same stories', async () => {
    const second = await t.connect();
    const [a, b] = [batches(3, 20, 'a'), batches(4, 20, 'b')];
    const started = performance.now();
    const accepted = (
      await Promise.all([commitAll(t.store, a), commitAll(second.store, b)])
    ).reduce((x, y) => x + y);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `event-store commitBatch, 2 workers: ${Math.round(((a.length + b.length) * BATCH) / seconds)} reports/s ` +
        `(${accepted} accepted)`,
    );
    expect(accepted).toBeGreaterThan((a.length + b.length) * BATCH * 0.8);
  }, 120_000);
});
