import { expectEventually } from '@livefeed/common/testing';
import { Client } from 'pg';
import { classifyDatabaseError } from './errors';
import { at, items, openTestStore, r, type TestStore } from '../testing/store.fixture';

let t: TestStore;
let admin: Client;
beforeAll(async () => {
  t = await openTestStore();
  admin = new Client({ connectionString: t.url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await t.close();
});

/** What a PostgreSQL restart does to every connection of the store. */
async function terminateStoreConnections(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  return rows[0].n;
}

describe('when PostgreSQL drops the connections', () => {
  it('survives idle pooled connections dying and reconnects for the next batch', async () => {
    await Promise.all([t.store.getStory('x'), t.store.getStory('y'), t.store.getOutcome('z')]);
    expect(await terminateStoreConnections()).toBeGreaterThan(0);

    await expectEventually(async () => {
      expect(t.poolErrors.length).toBeGreaterThan(0);
      expect(await t.store.isHealthy()).toBe(true);
    });
    const [result] = await t.store.commitBatch(items([r.opened('after-restart')]), at(1));
    expect(result).toMatchObject({ kind: 'accepted' });
  });

  it('fails a batch caught mid-transaction with a connection error, and records nothing of it', async () => {
    await t.store.commitBatch(items([r.opened('mid-transaction')]), at(1));
    const blocker = new Client({ connectionString: t.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM stories WHERE id = 'mid-transaction' FOR UPDATE`);
    const post = r.posted('mid-transaction', 'e1');
    const batch = t.store.commitBatch(items([post]), at(2));
    await expectEventually(async () => {
      const { rows } = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      expect(rows).toHaveLength(1);
    });
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );

    const error = await batch.then(
      () => undefined,
      (e: unknown) => e,
    );
    await blocker.query('ROLLBACK');
    await blocker.end();

    expect(classifyDatabaseError(error)).toBe('outage');
    expect(await t.store.getOutcome(post.id)).toBeNull();
    expect(await t.store.commitBatch(items([post]), at(3))).toMatchObject([
      { kind: 'accepted', duplicate: false },
    ]);
  });
});
