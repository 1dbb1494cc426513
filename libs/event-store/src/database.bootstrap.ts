import { Client } from 'pg';
import { createDataSource } from './data-source';
import { sqlState } from './postgres/errors';
import { LOCK_SPACE } from './postgres/locks';

export interface PreparedDatabase {
  /** True when this call created the database. */
  readonly created: boolean;
  /** Names of the migrations this call ran (empty when the schema was already current). */
  readonly migrations: string[];
}

/**
 * Makes the database at `url` ready for the apps: creates it when missing, then runs pending migrations.
 * Safe when several processes start at once: a lost CREATE DATABASE race is fine, and migrations run
 * under a session advisory lock, so the second process waits and then finds nothing left to do.
 */
export async function prepareDatabase(url: string): Promise<PreparedDatabase> {
  const created = await createDatabaseIfMissing(url);
  const dataSource = createDataSource(url, { poolSize: 2, applicationName: 'livefeed-migrations' });
  await dataSource.initialize();
  try {
    const lock = dataSource.createQueryRunner();
    try {
      await lock.query('SELECT pg_advisory_lock($1::int, 0)', [LOCK_SPACE.migrations]);
      try {
        const ran = await dataSource.runMigrations({ transaction: 'each' });
        return { created, migrations: ran.map((m) => m.name) };
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1::int, 0)', [LOCK_SPACE.migrations]);
      }
    } finally {
      await lock.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('event-store: DATABASE_URL names no database');
  // The maintenance database of the same server, with the same credentials and options.
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  client.on('error', () => undefined); // a failure surfaces through the pending query instead
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      // 42P04 duplicate_database; 23505 when the racing CREATE hit the catalog's unique index first.
      const state = sqlState(error);
      if (state === '42P04' || state === '23505') return false;
      throw error;
    }
  } finally {
    await client.end();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
