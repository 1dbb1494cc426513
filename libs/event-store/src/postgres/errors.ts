/** Error shapes of node-postgres worth telling apart. */
interface PgError {
  readonly code?: string;
  readonly constraint?: string;
}

function pgError(error: unknown): PgError {
  return typeof error === 'object' && error !== null ? (error as PgError) : {};
}

/** The SQLSTATE of a PostgreSQL error (TypeORM wraps it in `driverError`), if any. */
export function sqlState(error: unknown): string | undefined {
  const e = pgError(error);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  const driverError = (error as { driverError?: unknown } | null)?.driverError;
  return driverError ? sqlState(driverError) : undefined;
}

export function constraintOf(error: unknown): string | undefined {
  return pgError(error).constraint;
}

const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|terminating connection|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|Cannot use a pool after calling end/i;

/**
 * What a failed database call means to its caller, the one classification every caller uses:
 * - `outage`: PostgreSQL cannot serve it now but may later (the server is down, restarting or out
 *   of resources, the connection broke, the pool timed out, a lock or statement timed out, the
 *   database is closed to connections). Retry the same work later; never reject a report for it;
 *   answer readers 503.
 * - `conflict`: the transaction lost a race (serialisation failure, deadlock: SQLSTATE class 40).
 *   Running the same work again is expected to succeed.
 * - `bug`: anything else, such as a value out of range or a broken constraint. Retrying the same
 *   input fails the same way: split the work, or answer 500.
 */
export type DatabaseErrorKind = 'outage' | 'conflict' | 'bug';

export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  const state = sqlState(error);
  if (state) {
    if (state.startsWith('40')) return 'conflict';
    // 08 connection, 53 insufficient resources, 57 operator intervention, 58 system error,
    // 55P03 lock timeout, 55000 with ALLOW_CONNECTIONS false.
    if (/^(08|53|57|58)/.test(state) || state === '55P03') return 'outage';
    if (state === '55000' && /not currently accepting connections/i.test(messageOf(error)))
      return 'outage';
    return 'bug';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'outage';
  return CONNECTION_MESSAGES.test(messageOf(error)) ? 'outage' : 'bug';
}

/** True unless the error is a `bug`: the same work may succeed later (see classifyDatabaseError). */
export function isRetryableDatabaseError(error: unknown): boolean {
  return classifyDatabaseError(error) !== 'bug';
}

function messageOf(error: unknown): string {
  const driverError = (error as { driverError?: unknown } | null)?.driverError;
  if (driverError instanceof Error) return driverError.message;
  return error instanceof Error ? error.message : '';
}
