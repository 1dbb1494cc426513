import { createTestDatabase } from '@livefeed/common/testing';
import { Client } from 'pg';
import { classifyDatabaseError } from './errors';
import { openTestStore, type TestStore } from '../testing/store.fixture';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(async () => {
  await t.close();
});

/** One query on a connection of its own. */
const sql = async (text: string, values: unknown[]): Promise<unknown> => {
  const client = new Client({ connectionString: t.url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
};

const failureOf = async (run: () => Promise<unknown>): Promise<unknown> => {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the query to fail');
};

describe('classifyDatabaseError: telling "retry later" from a request PostgreSQL can never serve', () => {
  it.each([
    ['a version beyond integer', () => t.store.readEvents('s', 2 ** 31, 1)],
    // Time travel no longer sends such values to PostgreSQL (snapshots resolve them first), so the
    // same failures are asked of it directly.
    ['a version beyond integer, as a parameter', () => sql('SELECT $1::integer', [2 ** 31])],
    ['an instant in year 0', () => sql('SELECT $1::timestamptz', ['0000-12-31T23:00:00.000Z'])],
    [
      'an instant past year 9999',
      () => sql('SELECT $1::timestamptz', ['+010000-01-01T00:59:59.000Z']),
    ],
  ])('calls %s a bug', async (_name, run) => {
    const error = await failureOf(run);
    expect(classifyDatabaseError(error)).toBe('bug');
  });

  it('calls a database closed to connections an outage', async () => {
    const db = await createTestDatabase();
    const admin = new Client({ connectionString: t.url });
    await admin.connect();
    try {
      const name = new URL(db.url).pathname.slice(1);
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      const client = new Client({ connectionString: db.url });
      const error = await failureOf(() => client.connect());
      expect(classifyDatabaseError(error)).toBe('outage');
    } finally {
      await admin.end();
      await db.drop();
    }
  });

  it('calls a server that refuses the connection an outage', async () => {
    const url = new URL(t.url);
    url.port = '1';
    const error = await failureOf(() => new Client({ connectionString: url.toString() }).connect());
    expect(classifyDatabaseError(error)).toBe('outage');
  });

  it('calls a deadlock a conflict: the same work again is expected to succeed', async () => {
    const a = new Client({ connectionString: t.url });
    const b = new Client({ connectionString: t.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      await Promise.all([a.query('BEGIN'), b.query('BEGIN')]);
      await a.query('SELECT pg_advisory_xact_lock(42, 1)');
      await b.query('SELECT pg_advisory_xact_lock(42, 2)');
      const first = a.query('SELECT pg_advisory_xact_lock(42, 2)').catch((e: unknown) => e);
      const second = b.query('SELECT pg_advisory_xact_lock(42, 1)').catch((e: unknown) => e);
      const failed = [await first, await second].filter((x) => x instanceof Error);
      expect(failed).toHaveLength(1);
      expect(classifyDatabaseError(failed[0])).toBe('conflict');
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});
