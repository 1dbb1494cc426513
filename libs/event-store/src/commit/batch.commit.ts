import { escapeLiteral, type Pool } from 'pg';
import {
  ADMIT_ALL,
  type BatchResult,
  type CommitPolicy,
  type Decider,
  type EventStoreHooks,
  type IncomingReport,
} from '../event-store.types';
import { constraintOf, sqlState } from '../postgres/errors';
import { LOCK_SPACE } from '../postgres/locks';
import { DiscardConnection, inTransaction } from '../postgres/pool';
import { storableText } from '../postgres/text-safety';
import { readBatchState } from './batch.reads';
import { appendEvents, writeProjectionsAndOutcomes } from './batch.writes';
import { decideBatch } from './batch.decide';
import { admit } from './filing.admission';

/**
 * Decides and records a batch of reports in one transaction (see EventStore.commitBatch), in five round
 * trips whatever the batch size: BEGIN with the story locks, one read, the append, one write of
 * projections, outcomes and filing places, COMMIT. Between the read and the decisions the filing gate
 * says how far each story may go (it costs no round trip unless it must look at the reports stream).
 *
 * Races between writers are ruled out by locks taken before anything is read: a transaction-scoped
 * advisory lock per story, in one sorted order so two workers never deadlock. Locks on a hash of the id
 * also cover stories that do not exist yet, which row locks cannot.
 *
 * Global positions follow transaction ids, which `readLog` relies on: it returns only rows of
 * transactions below the snapshot's xmin, and that is gap-free only if no transaction with a higher id
 * holds a lower position. Two batches appending at once would interleave their bigserial values, so the
 * append (the transaction's first write, which is when PostgreSQL assigns its id) runs under a session
 * lock released as soon as the INSERT is done, not at commit: writers queue for the append only.
 *
 * What the story locks cannot cover is one report id filed under two different stories and handled by
 * two workers at the same moment; its unique violation (or the deadlock two such pairs can make) is met
 * by running the batch again, which then finds the other worker's outcome and answers "duplicate".
 */
export async function commitBatch<T extends IncomingReport>(
  pool: Pool,
  decide: Decider,
  items: readonly T[],
  now: string,
  hooks: EventStoreHooks,
  { gate = ADMIT_ALL, defers = NEVER }: CommitPolicy<T>,
): Promise<BatchResult[]> {
  if (items.length === 0) return [];
  const reports = items.map((item) => storableText(item.report));
  const storyIds = [...new Set(reports.map((r) => r.storyId))];
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(
        pool,
        async (sql) => {
          const state = await readBatchState(sql, reports, storyIds);
          const { order, filing } = await admit(items, state.lastSeqs, gate);
          const plan = decideBatch(
            decide,
            defers,
            order.map((i) => items[i]),
            order.map((i) => reports[i]),
            now,
            state.prior,
            state.stories,
          );
          hooks.afterDecide?.();
          if (plan.events.length) {
            // A failed append leaves the session lock held: only closing the connection releases it.
            await appendEvents(sql, plan.events).catch((error: unknown) => {
              throw new DiscardConnection(error);
            });
          }
          await writeProjectionsAndOutcomes(sql, plan.changes, plan.outcomes, filing, now);
          hooks.afterAppend?.();
          const results: BatchResult[] = items.map(() => WAITING);
          order.forEach((item, k) => (results[item] = plan.results[k]));
          return results;
        },
        // One round trip: BEGIN, the planner told that every read here is a lookup by key (so the
        // prepared read keeps index lookups however its tables grew since it was planned), and the
        // story locks.
        `BEGIN; ${KEY_LOOKUPS_ONLY} ${lockStoriesSql(storyIds)}`,
      );
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isReportIdRace(error)) continue;
      throw error;
    }
  }
}

const MAX_ATTEMPTS = 3;
const WAITING: BatchResult = { kind: 'waiting' };
const NEVER = () => false;

const KEY_LOOKUPS_ONLY =
  'SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;';

function isReportIdRace(error: unknown): boolean {
  const state = sqlState(error);
  if (state === '40P01') return true; // deadlock_detected
  const constraint = constraintOf(error);
  return (
    state === '23505' &&
    (constraint === 'events_report_id_key' || constraint === 'report_outcomes_pkey')
  );
}

/**
 * Takes the stories' transaction locks in one sorted order (the subquery's ORDER BY is not flattened
 * away). The ids travel as escaped literals because the statement shares its round trip with BEGIN,
 * which the simple query protocol allows only without parameters.
 */
export function lockStoriesSql(storyIds: readonly string[]): string {
  const ids = storyIds.map((id) => escapeLiteral(id)).join(',');
  return `SELECT pg_advisory_xact_lock(${LOCK_SPACE.story}, k)
    FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest(ARRAY[${ids}]::text[]) AS id ORDER BY k) AS keys`;
}
