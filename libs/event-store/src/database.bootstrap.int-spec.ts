import { createTestDatabase, dropTestDatabase, uniqueDatabase } from '@livefeed/common/testing';
import { Client } from 'pg';
import { createDataSource } from './data-source';
import { prepareDatabase } from './database.bootstrap';
import { EVENT_STORE_MIGRATIONS } from './migrations';

const TABLES = [
  'entries',
  'events',
  'figure_claims',
  'figures',
  'report_outcomes',
  'stories',
  'story_filing',
  'story_snapshots',
  'typeorm_migrations',
];

async function tablesOf(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    return rows.map((r) => r.t);
  } finally {
    await c.end();
  }
}

describe('prepareDatabase', () => {
  describe('on an empty database', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(() => db.drop());

    it('runs every migration, then finds nothing left to run', async () => {
      const first = await prepareDatabase(db.url);
      expect(first).toEqual({
        created: false,
        migrations: EVENT_STORE_MIGRATIONS.map((m) => m.name),
      });
      expect(await tablesOf(db.url)).toEqual(TABLES);

      expect(await prepareDatabase(db.url)).toEqual({ created: false, migrations: [] });
    });

    it('can undo every migration and apply them again', async () => {
      const ds = await createDataSource(db.url).initialize();
      try {
        for (let i = 0; i < EVENT_STORE_MIGRATIONS.length; i += 1)
          await ds.undoLastMigration({ transaction: 'each' });
        expect(await tablesOf(db.url)).toEqual(['typeorm_migrations']);
      } finally {
        await ds.destroy();
      }
      expect((await prepareDatabase(db.url)).migrations).toHaveLength(
        EVENT_STORE_MIGRATIONS.length,
      );
      expect(await tablesOf(db.url)).toEqual(TABLES);
    });
  });

  describe('when the database does not exist', () => {
    const { name, url } = uniqueDatabase();
    afterAll(() => dropTestDatabase(name));

    it('creates and migrates it once when two processes start at the same time', async () => {
      const [a, b] = await Promise.all([prepareDatabase(url), prepareDatabase(url)]);

      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect([...a.migrations, ...b.migrations]).toEqual(EVENT_STORE_MIGRATIONS.map((m) => m.name));
      expect(await tablesOf(url)).toEqual(TABLES);
    });
  });
});
