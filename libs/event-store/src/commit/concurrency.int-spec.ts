import { fold, type Report } from '@livefeed/domain';
import type { BatchResult, IncomingReport, LogRecord } from '../event-store.types';
import { random } from '../testing/scenario.fixture';
import {
  at,
  items,
  openTestStore,
  r,
  type TestStore,
  DEFER_UNKNOWN,
} from '../testing/store.fixture';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.close());

const STORIES = Array.from({ length: 50 }, (_, i) => `race-${i}`);

/** Reports for one worker over `stories`; entry ids are the worker's own, so posts never clash. */
function workload(
  seed: number,
  worker: string,
  stories: readonly string[] = STORIES,
  count = 2_500,
): Report[] {
  const rand = random(seed);
  const posted = new Map<string, number>(stories.map((s) => [s, 0]));
  return Array.from({ length: count }, (_, i) => {
    const s = stories[Math.floor(rand() * stories.length)];
    const n = posted.get(s)!;
    const roll = rand();
    if (roll < 0.5 || n === 0) {
      posted.set(s, n + 1);
      return r.posted(s, `${worker}${n + 1}`, {}, { occurredAt: at(i % 97) });
    }
    const entry = `${worker}${1 + Math.floor(rand() * n)}`;
    if (roll < 0.7)
      return r.edited(s, entry, `<p>${worker} edit ${i}</p>`, rand() < 0.5 ? 'note' : undefined);
    if (roll < 0.9)
      return r.figure(s, 'deaths', rand() < 0.5 ? `${worker}-source` : 'shared-source', i);
    return r.pinned(s, entry);
  });
}

/**
 * Follows the log like a projection rebuild does, until the writers are done and it has reached the last
 * position (which a transaction elsewhere on the server may hide for a moment).
 */
async function tailLog(store: TestStore['store'], isDone: () => boolean): Promise<LogRecord[]> {
  const seen: LogRecord[] = [];
  for (let after = 0; ;) {
    const finished = isDone();
    const page = await store.readLog(after, 300);
    seen.push(...page);
    if (page.length) after = page[page.length - 1].position;
    else if (finished) {
      const [last] = await t.dataSource.query(
        'SELECT coalesce(max(position), 0)::int AS p FROM events',
      );
      if (last.p === after) return seen;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Events whose position is below one of an older transaction: what would make a tail skip rows. */
async function positionInversions(): Promise<number> {
  const [row] = await t.dataSource.query(
    `SELECT count(*)::int AS n FROM (
       SELECT position, max(position) OVER (ORDER BY transaction_id, position
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier
         FROM events) AS e
      WHERE earlier > position`,
  );
  return row.n;
}

async function commitAll(
  store: TestStore['store'],
  batches: IncomingReport[][],
): Promise<Array<[IncomingReport, BatchResult]>> {
  const results: Array<[IncomingReport, BatchResult]> = [];
  for (const batch of batches) {
    const out = await store.commitBatch(batch, new Date().toISOString(), DEFER_UNKNOWN);
    batch.forEach((item, i) => results.push([item, out[i]]));
  }
  return results;
}

function inBatches(reports: readonly Report[], size: number): IncomingReport[][] {
  const out: IncomingReport[][] = [];
  for (let i = 0; i < reports.length; i += size) out.push(items(reports.slice(i, i + size)));
  return out;
}

describe('two workers committing at once', () => {
  it('keeps stories they share gapless, decides each report id once, and a tail of the log misses nothing', async () => {
    await t.store.commitBatch(items(STORIES.map((s) => r.opened(s))), at(0));
    const a = workload(11, 'a');
    const b = workload(12, 'b');
    // Every tenth report of a is also delivered to b (a redelivery racing the first delivery).
    const shared = a.filter((_, i) => i % 10 === 0);
    const bWithShared = b.flatMap((report, i) =>
      i % 9 === 0 && shared.length ? [report, shared.shift()!] : [report],
    );
    const second = await t.connect();

    let done = false;
    const tail = tailLog(t.store, () => done);
    const [ra, rb] = await Promise.all([
      commitAll(t.store, inBatches(a, 250)),
      commitAll(second.store, inBatches(bWithShared, 237)),
    ]);
    done = true;
    const tailed = await tail;

    // Gapless versions per story, and one event per accepted report id.
    const gaps = await t.dataSource.query(
      `SELECT story_id FROM events GROUP BY story_id HAVING count(*) <> max(version) OR count(DISTINCT version) <> count(*)`,
    );
    expect(gaps).toEqual([]);
    const [counts] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM events)::int AS events,
              (SELECT count(*) FROM report_outcomes WHERE status = 'accepted')::int AS accepted`,
    );
    expect(counts.events).toBe(counts.accepted);
    expect(counts.events).toBeGreaterThan(2_500);

    // A report delivered to both workers: one of them decided it, the other got that outcome back.
    const byId = new Map<string, BatchResult[]>();
    for (const [item, result] of [...ra, ...rb])
      byId.set(item.report.id, [...(byId.get(item.report.id) ?? []), result]);
    const doubles = [...byId.values()].filter(
      (list) => list.length === 2 && list.every((x) => x.kind !== 'deferred'),
    );
    expect(doubles.length).toBeGreaterThan(100);
    for (const [x, y] of doubles) {
      expect([x, y].filter((z) => 'duplicate' in z && z.duplicate)).toHaveLength(1);
      expect({ ...x, duplicate: true }).toEqual({ ...y, duplicate: true });
    }

    // The tail saw every event once, in position order.
    expect(await positionInversions()).toBe(0);
    const positions = tailed.map((x) => x.position);
    expect(positions).toEqual([...positions].sort((p, q) => p - q));
    expect(new Set(positions).size).toBe(positions.length);
    expect(tailed.length).toBe(counts.events);

    for (const story of STORIES) {
      const events = await t.store.readEvents(story, 0, 100_000);
      expect(await t.store.getStory(story)).toEqual(fold(events));
    }
  }, 60_000);

  it('hands out log positions in transaction order when workers on different stories append at once', async () => {
    const left = Array.from({ length: 20 }, (_, i) => `apart-left-${i}`);
    const right = Array.from({ length: 20 }, (_, i) => `apart-right-${i}`);
    await t.store.commitBatch(items([...left, ...right].map((s) => r.opened(s))), at(0));
    const before = (await t.store.readLog(0, 100_000)).length;
    const second = await t.connect();

    let done = false;
    const tail = tailLog(t.store, () => done);
    await Promise.all([
      commitAll(t.store, inBatches(workload(21, 'l', left, 3_000), 60)),
      commitAll(second.store, inBatches(workload(22, 'r', right, 3_000), 60)),
    ]);
    done = true;
    const tailed = await tail;

    expect(await positionInversions()).toBe(0);
    const [row] = await t.dataSource.query('SELECT count(*)::int AS n FROM events');
    expect(tailed.length).toBe(row.n);
    expect(row.n - before).toBeGreaterThan(3_000);
  }, 60_000);
});
