import { createTestDatabase } from '@livefeed/common/testing';
import { createPool, EventStore, prepareDatabase } from '@livefeed/event-store';
import { insertLongStory } from '@livefeed/event-store/testing/long-story.fixture';

async function main() {
  const db = await createTestDatabase();
  await prepareDatabase(db.url);
  const pool = createPool(db.url);
  const store = new EventStore(pool, { snapshotEvery: 100 });
  try {
    await insertLongStory(pool, 'long', 20000);
    await pool.query('ANALYZE events');
    let t = performance.now();
    const n = await store.writeSnapshots(['long']);
    console.log('writeSnapshots', performance.now() - t, n, (globalThis as any).T);
    t = performance.now();
    for (const q of [
      `EXPLAIN (ANALYZE, BUFFERS) SELECT e.version FROM unnest('{5000,5100}'::int[], '{5100,5200}'::int[]) AS r(after, up_to) CROSS JOIN LATERAL (SELECT * FROM events x WHERE x.story_id = 'long' AND x.version > r.after AND x.version <= r.up_to AND x.data->>'entryId' = 'e50' OFFSET 0) e ORDER BY e.version`,
      `EXPLAIN (ANALYZE, BUFFERS) SELECT e.version FROM unnest('{long}'::text[], '{5000}'::int[], '{7000}'::int[]) WITH ORDINALITY AS w(story_id, after, up_to, n) CROSS JOIN LATERAL (SELECT * FROM events x WHERE x.story_id = w.story_id AND x.version > w.after AND x.version <= w.up_to ORDER BY x.version) e ORDER BY w.n, e.version`,
    ]) {
      const r = await pool.query(q);
      console.log(r.rows.map((x) => x['QUERY PLAN']).join('\n'));
    }
    for (const e of ['e50', 'e51', 'e52']) {
      t = performance.now();
      await store.entryHistory('long', e);
      console.log('history', performance.now() - t);
    }
    for (const v of [5050, 12345, 19999]) {
      t = performance.now();
      await store.stateAt('long', { version: v });
      console.log('stateAt', performance.now() - t);
    }
  } finally {
    await store.close();
    await db.drop();
  }
}
main();
