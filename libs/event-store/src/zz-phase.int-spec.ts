import { inTransaction } from './postgres/pool';
import { poolOf } from './postgres/pool';
import { readPriorOutcomes, readStories } from './commit/batch-reads';
import { decideBatch } from './commit/decide-batch';
import { insertEvents, insertOutcomes, upsertProjections } from './commit/batch-writes';
import { openTestStore, items, r, at } from './testing/store.fixture';
import { random } from './testing/scenario.fixture';

it('phases', async () => {
  const t = await openTestStore();
  const STORIES = Array.from({ length: 500 }, (_, i) => `busy-${i}`);
  await t.store.commitBatch(items(STORIES.map((s) => r.opened(s, {}, { occurredAt: at(0) }))), at(1));
  const pool = poolOf(t.dataSource);
  const rand = random(1);
  const posted = new Map<string, number>(STORIES.map((s) => [s, 0]));
  const tm: Record<string, number> = {};
  const lap = (k: string, t0: number) => { tm[k] = (tm[k] ?? 0) + performance.now() - t0; return performance.now(); };
  for (let b = 0; b < 20; b++) {
    const batch = items(Array.from({ length: 500 }, (_, i) => {
      const s = STORIES[Math.floor(rand() * 500)]; const n = posted.get(s)!;
      if (rand() < 0.6 || n === 0) { posted.set(s, n + 1); return r.posted(s, `e${n + 1}`, { body: `<p>Update ${i}</p>` }); }
      const roll = rand();
      if (roll < 0.4) return r.edited(s, `e${1 + Math.floor(rand() * n)}`, `<p>C ${i}</p>`, 'note');
      return r.figure(s, 'deaths', 'UN', Math.floor(rand() * 500));
    }));
    const reports = batch.map((x) => x.report);
    const now = new Date().toISOString();
    const start = performance.now();
    await inTransaction(pool, async (sql) => {
      let t0 = performance.now();
      const ids = [...new Set(reports.map((x) => x.storyId))];
      await sql.query(`SELECT pg_advisory_xact_lock(1, k) FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($1::text[]) AS id ORDER BY k) AS keys`, [ids]);
      t0 = lap('lock', t0);
      const prior = await readPriorOutcomes(sql, reports.map((x) => x.id)); t0 = lap('prior', t0);
      const loaded = await readStories(sql, ids, reports); t0 = lap('load', t0);
      const plan = decideBatch(batch, reports, now, prior, loaded); t0 = lap('decide', t0);
      await insertEvents(sql, plan.events); t0 = lap('events', t0);
      await upsertProjections(sql, plan.changes); t0 = lap('projections', t0);
      await insertOutcomes(sql, plan.outcomes, now); t0 = lap('outcomes', t0);
    });
    lap('total', start);
  }
  console.log(Object.fromEntries(Object.entries(tm).map(([k, v]) => [k, (v / 20).toFixed(2)])));
  await t.close();
});
