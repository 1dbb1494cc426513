import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';
import { ISO_TIMESTAMPS } from './timestamps';

/**
 * The pg pool behind a TypeORM DataSource. The hot path talks to pg directly: one round trip per
 * statement, no entity hydration, and a client it can discard when it is unsure of its state.
 */
export function poolOf(dataSource: DataSource): Pool {
  const master: unknown = (dataSource.driver as unknown as { master?: unknown }).master;
  if (!(master instanceof Pool)) {
    throw new Error('event-store: the DataSource must be an initialised postgres DataSource');
  }
  return master;
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
