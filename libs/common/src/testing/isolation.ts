import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const ADMIN_URL =
  process.env.LIVEFEED_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** A name no other test run or file will pick: `<prefix><random>`, lower case. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** A subject root of its own (streams `<ROOT>_REPORTS`/`<ROOT>_EVENTS` follow from it). */
export function uniqueSubjectRoot(): string {
  return uniqueName('t');
}

/** A database name of its own (not created) and its URL, for tests of what creates databases. */
export function uniqueDatabase(): { name: string; url: string } {
  const name = uniqueName('livefeed_test_');
  return { name, url: ADMIN_URL.replace(/\/[^/]*$/, `/${name}`) };
}

/** Drops a test database, whoever is still connected to it. */
export async function dropTestDatabase(name: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** Creates an empty database of its own and returns its URL (migrations not run). */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { name, url } = uniqueDatabase();
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return { url, drop: () => dropTestDatabase(name) };
}
