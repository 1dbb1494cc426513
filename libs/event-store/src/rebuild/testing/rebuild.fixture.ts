import { fold } from '@livefeed/domain';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { EventStore } from '../../event-store';
import { createPool } from '../../postgres/pool';
import { DEFER_MARKED, random, scenario } from '../../testing/scenario.fixture';
import { at, openTestStore, type TestStore } from '../../testing/store.fixture';

/** A test file's database, its log filled by a scenario, and the projection that made. */
export interface RebuildTestbed {
  readonly stories: readonly string[];
  t: TestStore;
  /** A pool of its own for the rebuild, as the operator CLI has. */
  pool: Pool;
  /** The projection right after the log was filled. */
  pristine: ProjectionRows;
}

/** Sets up a testbed for the test file (`beforeAll`) and closes it after (`afterAll`). */
export function useRebuildTestbed(
  prefix: string,
  storyCount: number,
  reports: number,
  seed: number,
): RebuildTestbed {
  const bed = {
    stories: Array.from({ length: storyCount }, (_, i) => `${prefix}-${i}`),
  } as unknown as RebuildTestbed;
  beforeAll(async () => {
    bed.t = await openTestStore();
    bed.pool = createPool(bed.t.url);
    await fillLog(bed.t.store, bed.stories, reports, seed);
    bed.pristine = await projectionRows(bed.t.dataSource);
  }, 60_000);
  afterAll(async () => {
    await bed.pool.end();
    await bed.t.close();
  });
  return bed;
}

/** Commits a scenario of `count` reports over `stories` in batches of random size; returns the batches' count. */
async function fillLog(
  store: EventStore,
  stories: readonly string[],
  count: number,
  seed = 1,
): Promise<number> {
  const reports = scenario(seed, stories, count);
  const rand = random(seed + 1);
  let batches = 0;
  for (let i = 0; i < reports.length; batches += 1) {
    const batch = reports.slice(i, (i += 1 + Math.floor(rand() * 200)));
    await store.commitBatch(batch, at(1_000 + batches), DEFER_MARKED);
  }
  return batches;
}

/** Every row of the four projection tables, in key order, as text: what "the projection" is. */
type ProjectionRows = Record<string, string[]>;

export async function projectionRows(dataSource: DataSource): Promise<ProjectionRows> {
  const keys: Record<string, string> = {
    stories: 'id',
    entries: 'story_id, entry_id',
    figures: 'story_id, figure_id',
    figure_claims: 'story_id, figure_id, source_name',
  };
  const out: ProjectionRows = {};
  for (const [table, key] of Object.entries(keys)) {
    const rows = await dataSource.query<Array<{ row: string }>>(
      `SELECT t::text AS row FROM ${table} t ORDER BY ${key}`,
    );
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

/** The names and definitions a migration or the next rebuild relies on. */
export async function schemaOf(dataSource: DataSource): Promise<unknown> {
  const tables = ['stories', 'entries', 'figures', 'figure_claims'];
  return {
    indexes: await dataSource.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE tablename = ANY($1) ORDER BY tablename, indexname`,
      [tables],
    ),
    constraints: await dataSource.query(
      `SELECT conrelid::regclass::text AS table, conname, pg_get_constraintdef(oid) AS def
         FROM pg_constraint WHERE conrelid = ANY($1::text[]::regclass[]) ORDER BY 1, 2`,
      [tables],
    ),
    options: await dataSource.query(
      `SELECT relname, reloptions FROM pg_class WHERE relname = ANY($1) ORDER BY relname`,
      [tables],
    ),
  };
}

/** Tables a rebuild left beside the live ones. */
export async function freshTables(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<Array<{ name: string }>>(
    `SELECT tablename AS name FROM pg_tables WHERE tablename LIKE '%\\_rebuild' ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** The live tables' identities: unchanged when nothing was swapped in. */
export async function liveTableOids(dataSource: DataSource): Promise<number[]> {
  const rows = await dataSource.query<Array<{ oid: number }>>(
    `SELECT oid::int FROM pg_class WHERE relname IN ('stories', 'entries', 'figures', 'figure_claims')
      AND relkind = 'r' ORDER BY relname`,
  );
  return rows.map((r) => r.oid);
}

/** Asserts that every story's projection is its folded log. */
export async function expectProjectionIsTheFold(t: TestStore): Promise<void> {
  const stories = await t.dataSource.query<Array<{ story_id: string }>>(
    'SELECT DISTINCT story_id FROM events ORDER BY 1',
  );
  for (const { story_id } of stories) {
    const events = await t.store.readEvents(story_id, 0, 1_000_000);
    expect(await t.store.getStory(story_id)).toEqual(fold(events));
  }
  const [{ extra }] = await t.dataSource.query<Array<{ extra: number }>>(
    'SELECT count(*)::int AS extra FROM stories s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.story_id = s.id)',
  );
  expect(extra).toBe(0);
}
