import type { Pool } from 'pg';
import type { BatchResult, EventStoreHooks, IncomingReport } from '../event-store.types';
import { constraintOf, sqlState } from '../postgres/errors';
import { LOCK_SPACE } from '../postgres/locks';
import { DiscardConnection, inTransaction, type Sql } from '../postgres/pool';
import { storableText } from '../postgres/text-safety';
import { insertEvents, insertOutcomes, upsertProjections } from './batch-writes';
import { readPriorOutcomes, readStories } from './batch-reads';
import { decideBatch } from './decide-batch';

/**
 * Decides and records a batch of reports in one transaction (see EventStore.commitBatch).
 *
 * Races between writers are ruled out by locks taken before anything is read: a transaction-scoped
 * advisory lock per story, in one sorted order so two workers never deadlock. Locks on a hash of the id
 * also cover stories that do not exist yet, which row locks cannot.
 *
 * What the story locks cannot cover is one report id filed under two different stories and handled by
 * two workers at the same moment; its unique violation (or the deadlock two such pairs can make) is met
 * by running the batch again, which then finds the other worker's outcome and answers "duplicate".
 */
export async function commitBatch(
  pool: Pool,
  items: readonly IncomingReport[],
  now: string,
  hooks: EventStoreHooks,
): Promise<BatchResult[]> {
  if (items.length === 0) return [];
  const reports = items.map((item) => storableText(item.report));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(pool, async (sql) => {
        await lockStories(sql, [...new Set(reports.map((r) => r.storyId))]);
        const prior = await readPriorOutcomes(sql, [...new Set(reports.map((r) => r.id))]);
        const loaded = await readStories(sql, [...new Set(reports.map((r) => r.storyId))], reports);
        const plan = decideBatch(items, reports, now, prior, loaded);
        hooks.afterDecide?.();
        if (plan.events.length) await appendInLogOrder(sql, () => insertEvents(sql, plan.events));
        await upsertProjections(sql, plan.changes);
        await insertOutcomes(sql, plan.outcomes, now);
        hooks.afterAppend?.();
        return plan.results;
      });
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isReportIdRace(error)) continue;
      throw error;
    }
  }
}

const MAX_ATTEMPTS = 3;

function isReportIdRace(error: unknown): boolean {
  const state = sqlState(error);
  if (state === '40P01') return true; // deadlock_detected
  const constraint = constraintOf(error);
  return state === '23505' && (constraint === 'events_report_id_key' || constraint === 'report_outcomes_pkey');
}

async function lockStories(sql: Sql, storyIds: readonly string[]): Promise<void> {
  // The subquery's ORDER BY fixes the order the locks are taken in; it is not flattened away.
  await sql.query(
    `SELECT pg_advisory_xact_lock($1::int, k)
       FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($2::text[]) AS id ORDER BY k) AS keys`,
    [LOCK_SPACE.story, storyIds],
  );
}

/**
 * Makes global positions follow transaction ids, which `readLog` relies on: it returns only rows of
 * transactions below the snapshot's xmin, and that is gap-free only if no transaction with a higher id
 * can hold a lower position. Two batches inserting at once would interleave their bigserial values, so
 * the INSERT (this transaction's first write, which is when PostgreSQL assigns its id) runs under a
 * short session lock: ids and positions are then handed out in the same order. The lock is released
 * right after the INSERT, not at commit, so writers only queue for the append itself.
 */
async function appendInLogOrder(sql: Sql, append: () => Promise<void>): Promise<void> {
  await sql.query('SELECT pg_advisory_lock($1::int, 0)', [LOCK_SPACE.logOrder]);
  try {
    await append();
  } catch (error) {
    // The aborted transaction cannot run the unlock; closing the connection releases the lock.
    throw new DiscardConnection(error);
  }
  await sql.query('SELECT pg_advisory_unlock($1::int, 0)', [LOCK_SPACE.logOrder]);
}
