import { expectEventually, uniqueName } from '@livefeed/common/testing';
import { createPool } from '../postgres/pool';
import { rebuildProjections } from './projections.rebuild';
import type { RebuildProgress } from './rebuild.types';
import {
  expectProjectionIsTheFold,
  freshTables,
  liveTableOids,
  projectionRows,
  schemaOf,
  useRebuildTestbed,
} from './testing/rebuild.fixture';

const bed = useRebuildTestbed('rb', 15, 14_000, 1);

const eventCount = async () =>
  (await bed.t.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM events'))[0]
    .n;

describe('rebuilding every story', () => {
  it('gives back the projection row for row, under the same table, index and constraint names', async () => {
    const schema = await schemaOf(bed.t.dataSource);
    const oids = await liveTableOids(bed.t.dataSource);
    const progress: RebuildProgress[] = [];

    const result = await rebuildProjections(bed.pool, { onProgress: (p) => progress.push(p) });

    const events = await eventCount();
    expect(result).toEqual({ stories: 15, events, swapped: true, differences: [] });
    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
    expect(await schemaOf(bed.t.dataSource)).toEqual(schema);
    expect(await liveTableOids(bed.t.dataSource)).not.toEqual(oids);
    expect(await freshTables(bed.t.dataSource)).toEqual([]);
    await expectProjectionIsTheFold(bed.t);

    // A few reports, not one per event, in phase order, counting up to the whole log.
    expect(events).toBeGreaterThan(2 * 2_000); // more than two pages of the log
    expect(progress.length).toBeLessThan(20);
    const phases = progress.map((p) => p.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(['copy', 'catch-up', 'swap']);
    expect(progress.at(-1)).toEqual({ phase: 'swap', events, totalEvents: events, stories: 15 });
    for (const [a, b] of progress.slice(1).map((p, i) => [progress[i], p]))
      expect(b.events).toBeGreaterThanOrEqual(a.events);
  }, 60_000);

  it('runs again on what it swapped in', async () => {
    await rebuildProjections(bed.pool);
    const again = await rebuildProjections(bed.pool, { verify: true });
    expect(again).toMatchObject({ swapped: false, differences: [] });
    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
  }, 60_000);
});

describe('rebuilding from the log alone', () => {
  it('writes each row of a story once, when the live projection lacks it', async () => {
    const tables = ['stories', 'entries', 'figures', 'figure_claims'];
    await bed.t.dataSource.query(`TRUNCATE ${tables.join(', ')}`);

    await rebuildProjections(bed.pool);

    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
    // The swapped-in tables are the fresh ones, with what the rebuild did to them in their statistics
    // (flushed by its session, once every insert is in, every earlier write is).
    const rows = Object.fromEntries(
      Object.entries(bed.pristine).map(([table, list]) => [table, list.length]),
    );
    const written = () =>
      bed.t.dataSource.query<Array<{ table: string; ins: number; upd: number; del: number }>>(
        `SELECT relname AS table, n_tup_ins::int AS ins, n_tup_upd::int AS upd, n_tup_del::int AS del
           FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname`,
        [tables],
      );
    const stats = await expectEventually(async () => {
      const found = await written();
      for (const t of found) expect(t.ins).toBeGreaterThanOrEqual(rows[t.table]);
      expect(found).toHaveLength(4);
      return found;
    });
    // Not written out after every page and read back: no row was ever updated or deleted.
    expect(stats).toEqual(
      [...tables].sort().map((table) => ({ table, ins: rows[table], upd: 0, del: 0 })),
    );
  }, 60_000);
});

describe('verifying a damaged projection', () => {
  afterEach(async () => {
    await rebuildProjections(bed.pool);
  }, 60_000);

  it('names each difference, changes nothing, and a rebuild repairs it', async () => {
    const one = async (sql: string) => {
      const [row] = await bed.t.dataSource.query(sql);
      expect(row).toBeDefined();
      return row;
    };
    const entry = await one(
      `SELECT entry_id FROM entries WHERE story_id = 'rb-3' AND body IS NOT NULL LIMIT 1`,
    );
    const claim = await one(
      `SELECT figure_id, source_name, value FROM figure_claims WHERE story_id = 'rb-2' LIMIT 1`,
    );
    const figure = await one(`SELECT figure_id FROM figures WHERE story_id = 'rb-4' LIMIT 1`);
    const { version } = await one(`SELECT version FROM stories WHERE id = 'rb-1'`);
    await bed.t.dataSource.query(
      `UPDATE entries SET body = '<p>tampered</p>' WHERE story_id = 'rb-3' AND entry_id = $1`,
      [entry.entry_id],
    );
    await bed.t.dataSource.query(`UPDATE stories SET version = version + 1 WHERE id = 'rb-1'`);
    await bed.t.dataSource.query(
      `UPDATE figure_claims SET value = value + 1000 WHERE story_id = 'rb-2' AND figure_id = $1 AND source_name = $2`,
      [claim.figure_id, claim.source_name],
    );
    await bed.t.dataSource.query(`DELETE FROM figures WHERE story_id = 'rb-4' AND figure_id = $1`, [
      figure.figure_id,
    ]);
    await bed.t.dataSource.query(
      `INSERT INTO entries (story_id, entry_id, kind, body, author, posted_at, posted_version)
       VALUES ('rb-5', 'ghost', 'update', '<p>boo</p>', 'desk:nobody', now(), 1)`,
    );
    await bed.t.dataSource.query(`DELETE FROM stories WHERE id = 'rb-6'`);
    const damaged = await projectionRows(bed.t.dataSource);

    const result = await rebuildProjections(bed.pool, { verify: true });

    expect(result.swapped).toBe(false);
    expect(result.events).toBe(await eventCount());
    expect(result.differences).toEqual([
      { storyId: 'rb-1', what: `story: version ${version + 1} ≠ ${version}` },
      {
        storyId: 'rb-2',
        what: `figure ${claim.figure_id} by ${claim.source_name}: value ${claim.value + 1000} ≠ ${claim.value}`,
      },
      { storyId: 'rb-3', what: `entry ${entry.entry_id}: body differs` },
      { storyId: 'rb-4', what: `figure ${figure.figure_id} missing` },
      { storyId: 'rb-5', what: 'entry ghost is not in the log' },
      { storyId: 'rb-6', what: 'story missing' },
    ]);
    expect(await projectionRows(bed.t.dataSource)).toEqual(damaged);
    expect(await freshTables(bed.t.dataSource)).toEqual([]);

    const repaired = await rebuildProjections(bed.pool);
    expect(repaired.swapped).toBe(true);
    expect(await projectionRows(bed.t.dataSource)).toEqual(bed.pristine);
    expect((await rebuildProjections(bed.pool, { verify: true })).differences).toEqual([]);
  }, 60_000);
});

describe('who may use the rebuilt tables', () => {
  it('keeps their owner and every grant, when a superuser runs the rebuild', async () => {
    const owner = uniqueName('lf_owner_');
    const reader = uniqueName('lf_reader_');
    const tables = 'stories, entries, figures, figure_claims';
    const alterEach = (sql: (table: string) => string) =>
      Promise.all(tables.split(', ').map((table) => bed.t.dataSource.query(sql(table))));
    await bed.t.dataSource.query(`CREATE ROLE ${owner}; CREATE ROLE ${reader}`);
    try {
      await alterEach((table) => `ALTER TABLE ${table} OWNER TO ${owner}`);
      await bed.t.dataSource.query(`GRANT SELECT ON stories, entries TO ${reader}`);
      await bed.t.dataSource.query(
        `GRANT SELECT, UPDATE ON figures TO ${reader} WITH GRANT OPTION`,
      );
      const access = () =>
        bed.t.dataSource.query(
          `SELECT relname, pg_get_userbyid(relowner) AS owner, relacl::text AS acl FROM pg_class
            WHERE relname IN ('stories', 'entries', 'figures', 'figure_claims') ORDER BY relname`,
        );
      const before = await access();

      await rebuildProjections(bed.pool);

      expect(await access()).toEqual(before);
      expect(before.map((row: { owner: string }) => row.owner)).toEqual([
        owner,
        owner,
        owner,
        owner,
      ]);
      expect(JSON.stringify(before)).toContain(`${reader}=r*w*/${owner}`);
    } finally {
      await alterEach((table) => `ALTER TABLE ${table} OWNER TO postgres`);
      await bed.t.dataSource.query(
        `DROP OWNED BY ${reader}; DROP ROLE ${reader}; DROP ROLE ${owner}`,
      );
    }
  }, 60_000);
});

describe('what a rebuild refuses', () => {
  it.each([['Bad Id'], [''], ['../stories'], ["x'; DROP TABLE events; --"], [42]])(
    'a story id that is not one: %p',
    async (storyId) => {
      await expect(rebuildProjections(bed.pool, { storyId: storyId as string })).rejects.toThrow(
        /story id must match/,
      );
    },
  );

  it('a pool of one connection', async () => {
    const small = createPool(bed.t.url, { poolSize: 1 });
    try {
      await expect(rebuildProjections(small)).rejects.toThrow(/at least 2 connections/);
    } finally {
      await small.end();
    }
  });

  it('a story neither in the log nor in the projection', async () => {
    await expect(rebuildProjections(bed.pool, { storyId: 'never-heard-of' })).rejects.toThrow(
      'rebuild: story never-heard-of is neither in the log nor in the projection',
    );
  });

  it('an already aborted signal, before touching anything', async () => {
    const oids = await liveTableOids(bed.t.dataSource);
    await expect(
      rebuildProjections(bed.pool, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(await liveTableOids(bed.t.dataSource)).toEqual(oids);
  });

  it('a view on a projection table, saying so, before any work', async () => {
    const oids = await liveTableOids(bed.t.dataSource);
    await bed.t.dataSource.query(`CREATE VIEW live_titles AS SELECT id, title FROM stories`);
    try {
      await expect(rebuildProjections(bed.pool)).rejects.toThrow(
        'rebuild: the projection tables carry what a rebuild cannot carry over: view live_titles on stories',
      );
      expect(await liveTableOids(bed.t.dataSource)).toEqual(oids);
      expect(await freshTables(bed.t.dataSource)).toEqual([]);
    } finally {
      await bed.t.dataSource.query('DROP VIEW live_titles');
    }
  });
});
