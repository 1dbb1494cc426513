import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { ISO_TIMESTAMPS } from './timestamps';

export interface PoolTuning {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell the apps apart. */
  readonly applicationName?: string;
  /**
   * Told about errors of idle pooled connections (a PostgreSQL restart, a dropped network). The pool
   * already discards the broken client; without a listener pg's EventEmitter would crash the process.
   */
  readonly onPoolError?: (error: Error) => void;
}

/**
 * The event store's pg pool. The store talks to pg directly: one round trip per statement, no entity
 * hydration, and a client it can discard when it is unsure of its state. TypeORM keeps the schema (the
 * migrations, see data-source.ts) and nothing else.
 */
export function createPool(url: string, tuning: PoolTuning = {}): Pool {
  const pool = new Pool({
    connectionString: url,
    application_name: tuning.applicationName ?? 'livefeed',
    max: tuning.poolSize ?? 10,
    // A pool that cannot reach the server fails fast instead of queueing callers forever.
    connectionTimeoutMillis: 5_000,
    // Instants print as `2026-11-24 08:15:00.412+00`, which the store turns into ISO strings cheaply.
    options: '-c TimeZone=UTC',
  });
  pool.on(
    'error',
    tuning.onPoolError ??
      ((error: Error) =>
        console.warn(`event-store: idle PostgreSQL connection failed: ${error.message}`)),
  );
  return pool;
}

/**
 * Runs parameterised SQL and returns rows; timestamptz values come back as ISO strings. A `prepared`
 * name makes the statement a prepared one on each connection: parsed and planned once, not per call
 * (the hot path's large statements spent a noticeable part of their time there). One name, one text.
 */
export interface Sql {
  query<R extends QueryResultRow>(
    text: string,
    values?: readonly unknown[],
    prepared?: string,
  ): Promise<R[]>;
}

/**
 * Runs `work` on one connection. While it is checked out the pool does not listen to the client's
 * 'error' events, so we do: a server restart between two statements must fail this call, not crash the
 * process. A client that saw an error, or whose state `work` could not restore, is destroyed.
 */
export async function withClient<T>(
  pool: Pool,
  work: (sql: Sql, client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  const sql = sqlOn(client);
  try {
    return await work(sql, client);
  } catch (error) {
    broken ??= error instanceof DiscardConnection ? error : undefined;
    throw error instanceof DiscardConnection ? error.cause : error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** `Sql` on a pool (one statement, any connection) or on one checked-out client. */
export function sqlOn(target: Pool | PoolClient): Sql {
  return {
    query: async <R extends QueryResultRow>(
      text: string,
      values?: readonly unknown[],
      prepared?: string,
    ) =>
      (
        await target.query<R>({
          text,
          values: values as unknown[] | undefined,
          types: ISO_TIMESTAMPS,
          name: prepared,
        })
      ).rows,
  };
}

/** Thrown inside `withClient` to have the connection destroyed rather than returned to the pool. */
export class DiscardConnection extends Error {
  constructor(override readonly cause: unknown) {
    super('connection left in an unknown state');
  }
}

/**
 * BEGIN … COMMIT around `work`; ROLLBACK when it throws. A failed ROLLBACK means the connection is gone
 * or confused, so it is discarded. `begin` may carry statements to run right after BEGIN in the same
 * round trip (simple query protocol: no parameters, so only text built from escaped literals).
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (sql: Sql) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  return withClient(pool, async (sql) => {
    let result: T;
    try {
      await sql.query(begin);
      result = await work(sql);
    } catch (error) {
      if (error instanceof DiscardConnection) throw error;
      await sql.query('ROLLBACK').catch(() => {
        throw new DiscardConnection(error);
      });
      throw error;
    }
    await sql.query('COMMIT');
    return result;
  });
}
