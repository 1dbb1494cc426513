import type { Pool } from 'pg';
import { LOCK_SPACE } from '../postgres/locks';
import { sqlOn, type Sql } from '../postgres/pool';
import type { RebuildProgress } from './rebuild.types';

/** Seams inside a rebuild, for tests. */
export interface RebuildHooks {
  /** In the swap's transaction, the live tables locked and replaced, just before COMMIT. */
  beforeSwapCommit?(): Promise<void>;
}

/** What every step of one rebuild needs. */
export interface RebuildRun {
  /** For reads of the log that need no session of their own. */
  readonly pool: Pool;
  readonly verify: boolean;
  readonly signal?: AbortSignal;
  readonly progress: Progress;
  readonly hooks: RebuildHooks;
}

/** Events read from the log per page. */
export const PAGE = 2_000;

/** Passes progress on at phase changes and otherwise at most every `everyMs`. */
export class Progress {
  private phase?: RebuildProgress['phase'];
  private last = 0;

  constructor(
    private readonly listener?: (p: RebuildProgress) => void,
    private readonly everyMs = 200,
  ) {}

  report(p: RebuildProgress): void {
    if (!this.listener) return;
    const now = performance.now();
    if (p.phase === this.phase && now - this.last < this.everyMs) return;
    this.phase = p.phase;
    this.last = now;
    this.listener(p);
  }
}

/**
 * Runs `work` on a connection of its own, holding the rebuild lock, and closes that connection at the
 * end instead of returning it to the pool, so that no session state outlives the rebuild. A process
 * killed mid-way releases the lock the moment PostgreSQL sees its socket close.
 */
export async function onRebuildSession<T>(pool: Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection that breaks fails the next query, which is where the rebuild finds out.
  const ignore = () => undefined;
  client.on('error', ignore);
  const sql = sqlOn(client);
  let locked = false;
  try {
    await sql.query("SET application_name = 'livefeed rebuild'");
    [{ locked }] = await sql.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, 0) AS locked',
      [LOCK_SPACE.rebuild],
    );
    if (!locked) {
      const [holder] = await sql.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::int::oid
            AND objid = 0 AND objsubid = 2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [LOCK_SPACE.rebuild],
      );
      throw new Error(
        `rebuild: another rebuild is running on this database (PostgreSQL backend ${holder?.pid ?? '?'}); ` +
          'wait for it to end, or stop it',
      );
    }
    return await work(sql);
  } finally {
    // Unlocked before the connection closes: closing does not wait for the server to end the session,
    // and a rebuild started right after must not find the lock still held.
    if (locked) {
      await sql.query('SELECT pg_advisory_unlock($1, 0)', [LOCK_SPACE.rebuild]).catch(ignore);
    }
    client.removeListener('error', ignore);
    client.release(true);
  }
}

/** BEGIN (or `begin`, which may carry more statements) … COMMIT on the rebuild's own connection; ROLLBACK when `work` throws. */
export async function inTransactionOn<T>(
  sql: Sql,
  begin: string,
  work: () => Promise<T>,
): Promise<T> {
  await sql.query(begin);
  try {
    const result = await work();
    await sql.query('COMMIT');
    return result;
  } catch (error) {
    // A ROLLBACK that fails leaves nothing to undo: the connection is gone, and its transaction with it.
    await sql.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
