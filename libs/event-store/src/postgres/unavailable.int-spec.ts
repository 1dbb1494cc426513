import { createTestDatabase } from '@livefeed/common/testing';
import { Client } from 'pg';
import { isUnavailableError } from './errors';
import { openTestStore, type TestStore } from '../testing/store.fixture';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(async () => {
  await t.close();
});

const failureOf = async (run: () => Promise<unknown>): Promise<unknown> => {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the query to fail');
};

describe('telling "retry later" from a request PostgreSQL can never serve', () => {
  it.each([
    ['a version beyond integer', () => t.store.readEvents('s', 2 ** 31, 1)],
    ['a version beyond integer, by state', () => t.store.stateAt('s', { version: 2 ** 31 })],
    ['an instant in year 0', () => t.store.stateAt('s', { instant: '0000-12-31T23:00:00.000Z' })],
    [
      'an instant past year 9999',
      () => t.store.stateAt('s', { instant: '+010000-01-01T00:59:59.000Z' }),
    ],
  ])('is not unavailable for %s', async (_name, run) => {
    const error = await failureOf(run);
    expect(isUnavailableError(error)).toBe(false);
  });

  it('is unavailable for a database closed to connections', async () => {
    const db = await createTestDatabase();
    const admin = new Client({ connectionString: t.url });
    await admin.connect();
    try {
      const name = new URL(db.url).pathname.slice(1);
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      const client = new Client({ connectionString: db.url });
      const error = await failureOf(() => client.connect());
      expect(isUnavailableError(error)).toBe(true);
    } finally {
      await admin.end();
      await db.drop();
    }
  });

  it('is unavailable for a server that refuses the connection', async () => {
    const url = new URL(t.url);
    url.port = '1';
    const error = await failureOf(() => new Client({ connectionString: url.toString() }).connect());
    expect(isUnavailableError(error)).toBe(true);
  });
});
